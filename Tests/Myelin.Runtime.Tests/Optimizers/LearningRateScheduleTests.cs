using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

/// <summary>Schedules against closed forms computed here in double (relative tolerance 1e-12) and hand-worked sequences.</summary>
public sealed class LearningRateScheduleTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void StepLR_follows_base_times_gamma_to_the_floor_of_epoch_over_step_size()
    {
        var sgd = new Sgd(lr: 0.1);
        var schedule = new StepLR(sgd, stepSize: 3, gamma: 0.5);
        Assert.Equal(0.1, sgd.LearningRate); // epoch 0 trains at the base rate
        for (int epoch = 1; epoch <= 12; epoch++)
        {
            schedule.Step();
            Assert.Equal(epoch, schedule.LastEpoch);
            AssertRelative(0.1 * Math.Pow(0.5, epoch / 3), sgd.LearningRate, $"epoch {epoch}");
        }
        AssertRelative(0.00625, sgd.LearningRate, "epoch 12 by hand: 0.1 / 2^4");
    }

    [Fact]
    public void StepLR_multiplies_the_current_rate_as_PyTorchs_chainable_form_does()
    {
        var sgd = new Sgd(lr: 1.0);
        var schedule = new StepLR(sgd, stepSize: 2);
        schedule.Step();
        sgd.LearningRate = 0.5; // changed by hand between reductions
        schedule.Step();
        AssertRelative(0.05, sgd.LearningRate, "0.5 * gamma 0.1");
    }

    [Fact]
    public void CosineAnnealingLR_follows_the_closed_form_through_and_beyond_T_max()
    {
        var adam = new Adam(lr: 0.2);
        const int tMax = 8;
        const double etaMin = 0.01;
        var schedule = new CosineAnnealingLR(adam, tMax, etaMin);
        for (int epoch = 1; epoch <= 2 * tMax + 3; epoch++)
        {
            schedule.Step();
            double expected = etaMin + (0.2 - etaMin) * (1 + Math.Cos(Math.PI * epoch / tMax)) / 2;
            AssertRelative(expected, adam.LearningRate, $"epoch {epoch}");
            if (epoch == tMax / 2) AssertRelative(0.105, adam.LearningRate, "halfway: the mean of 0.2 and 0.01");
            if (epoch == tMax) AssertRelative(etaMin, adam.LearningRate, "T_max: eta_min");
            if (epoch == 2 * tMax) AssertRelative(0.2, adam.LearningRate, "2 T_max: back at the base rate");
        }
    }

    [Fact]
    public void ReduceLROnPlateau_waits_for_patience_then_cools_down()
    {
        // patience 2, cooldown 1, factor 0.5, constant metric. Epoch 1 sets best; epochs 2, 3, 4 are bad epochs 1, 2,
        // 3 > patience, so epoch 4 halves the rate and starts a 1-epoch cooldown. Epoch 5 is bad but the cooldown resets
        // the count to 0; epochs 6, 7, 8 count 1, 2, 3, so epoch 8 halves the rate again, and epoch 9 is in cooldown.
        var sgd = new Sgd(lr: 1.0);
        var schedule = new ReduceLROnPlateau(sgd, factor: 0.5, patience: 2, cooldown: 1);
        double[] expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25];
        for (int epoch = 0; epoch < expected.Length; epoch++)
        {
            schedule.Step(10.0);
            Assert.Equal(expected[epoch], sgd.LearningRate);
        }
        Assert.Equal((10.0, 0, 0), (schedule.Best, schedule.BadEpochs, schedule.CooldownCounter));
    }

    [Fact]
    public void ReduceLROnPlateau_counts_an_improvement_only_beyond_the_relative_threshold()
    {
        // Relative threshold 0.1: after best 10, only a metric below 9 is an improvement; 9.5 is a bad epoch.
        var sgd = new Sgd(lr: 1.0);
        var schedule = new ReduceLROnPlateau(sgd, patience: 1, threshold: 0.1);
        schedule.Step(10);
        schedule.Step(9.5);
        Assert.Equal((10.0, 1), (schedule.Best, schedule.BadEpochs));
        schedule.Step(8.9);
        Assert.Equal((8.9, 0), (schedule.Best, schedule.BadEpochs));
        schedule.Step(8.5);
        schedule.Step(8.5); // 8.5 > 8.9 * 0.9 = 8.01: bad epochs 1, 2 > patience
        AssertRelative(0.1, sgd.LearningRate, "one reduction by the default factor");
    }

    [Fact]
    public void ReduceLROnPlateau_absolute_threshold_in_max_mode_needs_a_rise_beyond_best_plus_threshold()
    {
        var sgd = new Sgd(lr: 1.0);
        var schedule = new ReduceLROnPlateau(sgd, PlateauMode.Max, patience: 0, threshold: 0.05, thresholdMode: ThresholdMode.Absolute);
        schedule.Step(0.80);
        schedule.Step(0.84); // not above 0.85: a bad epoch, and patience 0 reduces at once
        AssertRelative(0.1, sgd.LearningRate, "first reduction");
        schedule.Step(0.86); // above 0.85: new best
        Assert.Equal((0.86, 0), (schedule.Best, schedule.BadEpochs));
        AssertRelative(0.1, sgd.LearningRate, "no reduction after an improvement");
    }

    [Fact]
    public void ReduceLROnPlateau_never_goes_below_min_lr_and_skips_reductions_smaller_than_eps()
    {
        var sgd = new Sgd(lr: 1.0);
        var schedule = new ReduceLROnPlateau(sgd, factor: 0.1, patience: 0, minLr: 0.05);
        schedule.Step(1); // best
        schedule.Step(1);
        AssertRelative(0.1, sgd.LearningRate, "1 -> 0.1");
        schedule.Step(1);
        AssertRelative(0.05, sgd.LearningRate, "0.1 -> max(0.01, min_lr 0.05)");
        schedule.Step(1);
        Assert.Equal(0.05, sgd.LearningRate); // already at min_lr: the reduction is 0 <= eps

        var tiny = new Sgd(lr: 1e-8);
        var noOp = new ReduceLROnPlateau(tiny, patience: 0);
        noOp.Step(1);
        noOp.Step(1);
        Assert.Equal(1e-8, tiny.LearningRate); // 1e-8 - 1e-9 = 9e-9 <= eps 1e-8: skipped, as in PyTorch
    }

    [Fact]
    public void ReduceLROnPlateau_counts_a_NaN_metric_as_a_bad_epoch()
    {
        var sgd = new Sgd(lr: 1.0);
        var schedule = new ReduceLROnPlateau(sgd, patience: 5);
        schedule.Step(2);
        schedule.Step(double.NaN);
        Assert.Equal((2.0, 1), (schedule.Best, schedule.BadEpochs));
    }

    [Fact]
    public void Schedule_state_restores_into_a_fresh_schedule_and_continues_identically()
    {
        double[] metrics = [5, 4, 4.1, 4.2, 4.3, 3, 3.1, 3.2, 3.3, 3.4, 3.5];
        var sgd = new Sgd(lr: 1);
        var plateau = new ReduceLROnPlateau(sgd, factor: 0.5, patience: 1, cooldown: 2);
        var expected = metrics.Select(m => { plateau.Step(m); return sgd.LearningRate; }).ToArray();

        var firstSgd = new Sgd(lr: 1);
        var first = new ReduceLROnPlateau(firstSgd, factor: 0.5, patience: 1, cooldown: 2);
        for (int i = 0; i < 4; i++) first.Step(metrics[i]);
        var savedOptimizer = firstSgd.GetState();
        var savedSchedule = first.GetState();

        var resumedSgd = new Sgd(lr: 1);
        resumedSgd.SetState(savedOptimizer); // the optimizer's state carries the current learning rate
        var resumed = new ReduceLROnPlateau(resumedSgd, factor: 0.5, patience: 1, cooldown: 2);
        resumed.SetState(savedSchedule);
        Assert.Equal((first.LastEpoch, first.Best, first.BadEpochs, first.CooldownCounter), (resumed.LastEpoch, resumed.Best, resumed.BadEpochs, resumed.CooldownCounter));
        for (int i = 4; i < metrics.Length; i++)
        {
            resumed.Step(metrics[i]);
            Assert.Equal(expected[i], resumedSgd.LearningRate);
        }

        var cosineSgd = new Sgd(lr: 0.3);
        var cosine = new CosineAnnealingLR(cosineSgd, tMax: 10);
        for (int i = 0; i < 4; i++) cosine.Step();
        var restoredCosine = new CosineAnnealingLR(new Sgd(lr: 0.9), tMax: 10);
        restoredCosine.SetState(cosine.GetState());
        Assert.Equal((4, 0.3), (restoredCosine.LastEpoch, restoredCosine.BaseLearningRate));
        restoredCosine.Step();
        cosine.Step();
        Assert.Equal(cosineSgd.LearningRate, restoredCosine.Optimizer.LearningRate);
    }

    [Fact]
    public void Schedule_state_for_another_schedule_or_other_hyperparameters_is_rejected_by_name()
    {
        var sgd = new Sgd(lr: 1);
        var error = Assert.Throws<ArgumentException>(() => new StepLR(sgd, 3).SetState(new CosineAnnealingLR(sgd, 3).GetState()));
        Assert.Contains("CosineAnnealingLR", error.Message);
        Assert.Contains("StepLR", error.Message);

        error = Assert.Throws<ArgumentException>(() => new StepLR(sgd, 3).SetState(new StepLR(sgd, 4).GetState()));
        Assert.Contains("step_size = 4", error.Message);
        Assert.Contains("step_size = 3", error.Message);

        var state = new ReduceLROnPlateau(sgd).GetState();
        var values = new Dictionary<string, double>(state.Values) { ["num_bad_epochs"] = 1.5 };
        error = Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(sgd).SetState(state with { Values = values }));
        Assert.Contains("num_bad_epochs = 1.5", error.Message);

        values = new Dictionary<string, double>(state.Values);
        values.Remove("cooldown_counter");
        error = Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(sgd).SetState(state with { Values = values }));
        Assert.Contains("'cooldown_counter'", error.Message);
    }

    [Fact]
    public void Out_of_range_schedule_arguments_throw_naming_the_argument()
    {
        var sgd = new Sgd(lr: 1);
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(sgd, 0)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(sgd, 1, gamma: -0.5)).ParamName);
        Assert.Equal("tMax", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(sgd, 0)).ParamName);
        Assert.Equal("etaMin", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(sgd, 5, etaMin: -1)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(sgd, factor: 1.0)).ParamName);
        Assert.Equal("patience", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(sgd, patience: -1)).ParamName);
        Assert.Equal("cooldown", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(sgd, cooldown: -1)).ParamName);
        Assert.Equal("minLr", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(sgd, minLr: -1)).ParamName);
        Assert.Equal("mode", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(sgd, (PlateauMode)7)).ParamName);
    }

    [Fact]
    public void Epoch_and_metric_schedules_share_one_interface_for_the_fit_loop()
    {
        var sgd = new Sgd(lr: 1);
        ILearningRateSchedule[] schedules = [new StepLR(sgd, 1, gamma: 0.5), new ReduceLROnPlateau(sgd, patience: 0, factor: 0.5)];
        foreach (ILearningRateSchedule schedule in schedules)
        {
            switch (schedule)
            {
                case IMetricSchedule metric: metric.Step(1.0); metric.Step(1.0); break;
                case IEpochSchedule epoch: epoch.Step(); break;
            }
        }
        Assert.Equal(0.25, sgd.LearningRate);
    }

    private static void AssertRelative(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}.");
}
