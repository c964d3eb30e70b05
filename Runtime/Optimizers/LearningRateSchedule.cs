using System;
using System.Collections.Generic;
using System.Globalization;

namespace Myelin.Optimizers;

/// <summary>
/// A learning-rate schedule: it sets its optimizer's <see cref="IOptimizer.LearningRate"/> once per epoch, as PyTorch's
/// <c>torch.optim.lr_scheduler</c> classes do.
/// </summary>
/// <remarks>
/// <para>
/// Call protocol, as in PyTorch: create the schedule after the optimizer (it takes the optimizer's learning rate as its
/// base, and epoch 0 trains at that rate); run an epoch of optimizer steps; then step the schedule once, which moves it
/// to the next epoch and sets the rate that epoch trains at. The fit loop does exactly this: after the last optimizer
/// step of each epoch it calls <see cref="IEpochSchedule.Step"/>, or <see cref="IMetricSchedule.Step(double)"/> with the
/// epoch's monitored metric (the validation loss, or the training loss when there is no validation data).
/// </para>
/// <para>
/// For a checkpoint, save both the optimizer's state (it holds the current learning rate) and the schedule's
/// <see cref="GetState"/>; restore both.
/// </para>
/// </remarks>
public interface ILearningRateSchedule
{
    /// <summary>The optimizer whose learning rate this schedule sets.</summary>
    IOptimizer Optimizer { get; }

    /// <summary>How many epochs the schedule has stepped through (PyTorch's <c>last_epoch</c>); 0 after construction.</summary>
    int LastEpoch { get; }

    /// <summary>The schedule's counters and hyperparameters, for checkpoints.</summary>
    LearningRateScheduleState GetState();

    /// <summary>Restores counters saved by <see cref="GetState"/>; the hyperparameters must equal this schedule's.</summary>
    void SetState(LearningRateScheduleState state);
}

/// <summary>A schedule that depends on the epoch only (<see cref="StepLR"/>, <see cref="CosineAnnealingLR"/>).</summary>
public interface IEpochSchedule : ILearningRateSchedule
{
    /// <summary>Ends an epoch: advances <see cref="ILearningRateSchedule.LastEpoch"/> and sets the learning rate for the next one.</summary>
    void Step();
}

/// <summary>A schedule driven by a monitored metric (<see cref="ReduceLROnPlateau"/>).</summary>
public interface IMetricSchedule : ILearningRateSchedule
{
    /// <summary>Ends an epoch whose monitored metric was <paramref name="metric"/>, and sets the learning rate for the next one.</summary>
    void Step(double metric);
}

/// <summary>A schedule's state: its counters and hyperparameters, by PyTorch's names (<c>last_epoch</c>, <c>base_lr</c>, ...).</summary>
/// <param name="Schedule">The schedule's type name, e.g. <c>StepLR</c>.</param>
/// <param name="Values">Counters and hyperparameters; enums and booleans as whole numbers.</param>
public sealed record LearningRateScheduleState(string Schedule, IReadOnlyDictionary<string, double> Values);

/// <summary>What every schedule shares: its optimizer, base learning rate, epoch counter and checkpoint state.</summary>
public abstract class LearningRateSchedule : ILearningRateSchedule
{
    private const string LastEpochKey = "last_epoch";
    private const string BaseLearningRateKey = "base_lr";

    private protected LearningRateSchedule(string name, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Name = name;
        Optimizer = optimizer;
        BaseLearningRate = optimizer.LearningRate;
    }

    /// <summary>The schedule's name as saved in its state, e.g. <c>StepLR</c>.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public IOptimizer Optimizer { get; }

    /// <summary>The optimizer's learning rate when the schedule was created (PyTorch's <c>base_lrs</c>, <c>initial_lr</c>).</summary>
    public double BaseLearningRate { get; private set; }

    /// <inheritdoc />
    public int LastEpoch { get; private protected set; }

    /// <inheritdoc />
    public LearningRateScheduleState GetState()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [LastEpochKey] = LastEpoch,
            [BaseLearningRateKey] = BaseLearningRate,
        };
        AddHyperparameters(values);
        AddCounters(values);
        return new LearningRateScheduleState(Name, values);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The state is for another schedule, or an entry is missing, unexpected or
    /// has the wrong value; the message names the entry and the expected and actual values.</exception>
    public void SetState(LearningRateScheduleState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Values is null)
            throw new ArgumentException($"{Name} state has no value dictionary.", nameof(state));
        if (!string.Equals(state.Schedule, Name, StringComparison.Ordinal))
            throw new ArgumentException($"The state is for the {state.Schedule} schedule, but this schedule is {Name}.", nameof(state));

        var expected = new Dictionary<string, double>(StringComparer.Ordinal);
        AddHyperparameters(expected);
        foreach (var (key, value) in expected)
        {
            double actual = Require(state, key);
            if (!actual.Equals(value))
                throw new ArgumentException(
                    $"{Name} state has {key} = {Hyperparameter.Format(actual)}, but this schedule was built with {key} = {Hyperparameter.Format(value)}.", nameof(state));
        }

        int lastEpoch = WholeNumber(state, LastEpochKey);
        double baseLearningRate = Require(state, BaseLearningRateKey);
        if (!(baseLearningRate >= 0) || double.IsPositiveInfinity(baseLearningRate))
            throw new ArgumentException($"{Name} state has base_lr = {Hyperparameter.Format(baseLearningRate)}, but a learning rate must be a finite number >= 0.", nameof(state));

        expected[LastEpochKey] = lastEpoch;
        expected[BaseLearningRateKey] = baseLearningRate;
        AddCounters(expected);
        foreach (string key in state.Values.Keys)
        {
            if (!expected.ContainsKey(key))
                throw new ArgumentException($"{Name} state has an unexpected entry '{key}'; it keeps {string.Join(", ", expected.Keys)}.", nameof(state));
        }

        RestoreCounters(state);
        LastEpoch = lastEpoch;
        BaseLearningRate = baseLearningRate;
    }

    /// <summary>Adds the hyperparameters, which <see cref="SetState"/> requires to match.</summary>
    private protected abstract void AddHyperparameters(Dictionary<string, double> values);

    /// <summary>Adds counters beyond <c>last_epoch</c> and <c>base_lr</c> (none by default).</summary>
    private protected virtual void AddCounters(Dictionary<string, double> values)
    {
    }

    /// <summary>Validates and restores the counters added by <see cref="AddCounters"/>; throws before changing anything.</summary>
    private protected virtual void RestoreCounters(LearningRateScheduleState state)
    {
    }

    /// <summary>The value of <paramref name="key"/>; throws naming it when it is missing.</summary>
    private protected double Require(LearningRateScheduleState state, string key) =>
        state.Values.TryGetValue(key, out double value)
            ? value
            : throw new ArgumentException($"{Name} state has no entry '{key}'.", nameof(state));

    /// <summary>The value of <paramref name="key"/> as a whole number ≥ 0; throws naming it otherwise.</summary>
    private protected int WholeNumber(LearningRateScheduleState state, string key)
    {
        double value = Require(state, key);
        if (!(value >= 0 && value <= int.MaxValue && value == Math.Floor(value)))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Name} state has {key} = {Hyperparameter.Format(value)}, but it must be a whole number from 0 to {int.MaxValue}."), nameof(state));
        return (int)value;
    }
}
