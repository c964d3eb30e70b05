using System;
using System.Globalization;

namespace Myelin.Optimizers;

/// <summary>
/// Range checks for optimizer and schedule hyperparameters. Each throws <see cref="ArgumentOutOfRangeException"/>
/// naming the parameter and its value; NaN fails every check.
/// </summary>
internal static class Hyperparameter
{
    /// <summary>Requires a finite value ≥ 0 (learning rates, weight decay, eps, momentum).</summary>
    public static double NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsPositiveInfinity(value))
            throw OutOfRange(name, value, "a finite number >= 0");
        return value;
    }

    /// <summary>Requires a value in [0, 1) (Adam's betas).</summary>
    public static double InHalfOpenUnitInterval(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw OutOfRange(name, value, "in [0, 1)");
        return value;
    }

    /// <summary>Requires a value in [0, 1] (dampening, RMSprop's alpha).</summary>
    public static double InClosedUnitInterval(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw OutOfRange(name, value, "in [0, 1]");
        return value;
    }

    /// <summary>Requires a finite value.</summary>
    public static double Finite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw OutOfRange(name, value, "finite");
        return value;
    }

    /// <summary>Requires an integer ≥ <paramref name="minimum"/>.</summary>
    public static int AtLeast(int value, int minimum, string name)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {minimum}, but was {value}."));
        return value;
    }

    /// <summary>Formats a hyperparameter for messages, round-trippable and culture-independent.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static ArgumentOutOfRangeException OutOfRange(string name, double value, string requirement) =>
        new(name, value, $"{name} must be {requirement}, but was {Format(value)}.");
}
