using System;
using System.Globalization;
using Myelin.Data;

namespace Myelin.Training;

/// <summary>
/// R², mean absolute error and root mean squared error of a regressor's predictions, computed by the same
/// <see cref="RSquared"/>, <see cref="MeanAbsoluteError"/> and <see cref="RootMeanSquaredError"/> that
/// <see cref="Trainer.Fit"/> reports, over all the predictions at once.
/// </summary>
/// <param name="RSquared">The coefficient of determination, averaged over outputs; 1 is perfect, 0 is no better than the mean.</param>
/// <param name="MeanAbsoluteError">The mean absolute difference, in the target's units.</param>
/// <param name="RootMeanSquaredError">The root mean squared difference, in the target's units.</param>
/// <param name="Count">The number of samples.</param>
public sealed record RegressionReport(double RSquared, double MeanAbsoluteError, double RootMeanSquaredError, int Count)
{
    /// <summary>The metrics of <paramref name="predicted"/> against <paramref name="actual"/>, both <c>n * outputs</c> floats.</summary>
    /// <exception cref="ArgumentException">The lengths differ or are not a whole number of samples.</exception>
    public static RegressionReport Compute(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual, int outputs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"predicted has {predicted.Length} values but actual has {actual.Length}.", nameof(actual));
        if (actual.Length % outputs != 0)
            throw new ArgumentException($"{actual.Length} values are not a whole number of samples of {outputs} outputs.", nameof(actual));
        var r2 = new Training.RSquared();
        var mae = new Training.MeanAbsoluteError();
        var rmse = new Training.RootMeanSquaredError();
        var batch = new BatchTargets(actual);
        foreach (IMetric metric in (IMetric[])[r2, mae, rmse])
        {
            metric.Reset();
            metric.Update(predicted, batch, outputs, Activation.None);
        }
        return new RegressionReport(r2.Result(), mae.Result(), rmse.Result(), actual.Length / outputs);
    }

    /// <summary>The metrics of <paramref name="model"/> on raw rows with raw targets (e.g. the test split before preprocessing), in the target's original units.</summary>
    public static RegressionReport For(TabularModel model, Dataset raw)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(raw);
        return Compute(model.Predict(raw.Features), raw.Targets, raw.TargetSize);
    }

    /// <summary><c>R² 0.9132, MAE 0.3581, RMSE 0.4674 (n = 200)</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"R² {RSquared:0.0000}, MAE {MeanAbsoluteError:0.####}, RMSE {RootMeanSquaredError:0.####} (n = {Count})");
}
