using System;
using System.Collections.Generic;

namespace Myelin.Data;

public sealed partial class Dataset
{
    /// <summary>
    /// Splits into a first part of <c>round(Count * firstFraction)</c> samples and a second part with the rest, after
    /// shuffling with <see cref="SeededRandom"/>(<paramref name="seed"/>): the same seed always gives the same split,
    /// and both parts are in shuffled order. With <paramref name="stratify"/>, each class is split in the same
    /// proportion (scikit-learn's <c>train_test_split(..., stratify=y)</c>), so a class-sorted file gives parts with
    /// the file's class balance.
    /// </summary>
    /// <param name="firstFraction">Between 0 and 1, e.g. 0.8 for an 80/20 train/test split.</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <param name="stratify">Whether to keep every class's share in both parts; needs class labels.</param>
    /// <remarks>
    /// Stratified counts: class <c>c</c> with <c>n_c</c> samples gets <c>n_c * first / Count</c> of them in the first
    /// part, rounded down, and the samples still missing from the first part go one each to the classes with the
    /// largest remainders (ties: larger class first, then lower index), so the first part has exactly
    /// <c>round(Count * firstFraction)</c> samples. Which samples of a class go first is decided by the shuffle.
    /// For a split by position (time series), use <see cref="SplitOrdered"/>.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="stratify"/> on a dataset with float targets.</exception>
    public (Dataset First, Dataset Second) Split(double firstFraction, int seed = 0, bool stratify = false)
    {
        int firstCount = FirstCount(firstFraction, nameof(firstFraction));
        int[] order = Permutation(Count, seed);
        if (!stratify) return (Subset(order.AsSpan(0, firstCount)), Subset(order.AsSpan(firstCount)));

        if (_labels is null)
            throw new ArgumentException($"A stratified split needs class labels, but this dataset has float targets ({TargetSize} per sample). Split before ToBinaryTargets(), or pass stratify: false.", nameof(stratify));
        int[] quota = StratifiedQuotas(ClassCounts(), firstCount, Count);
        var first = new List<int>(firstCount);
        var second = new List<int>(Count - firstCount);
        foreach (int index in order)
        {
            int label = _labels[index];
            if (quota[label] > 0)
            {
                quota[label]--;
                first.Add(index);
            }
            else
            {
                second.Add(index);
            }
        }
        return (Subset(first.ToArray()), Subset(second.ToArray()));
    }

    /// <summary>
    /// Splits by position: the first <c>round(Count * firstFraction)</c> samples, then the rest, unshuffled (for
    /// time-ordered data). Most CSV files are sorted by class, so for a classification dataset this refuses a split
    /// whose second part holds every sample of some class: training would never see it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The second part holds every sample of a class; the message names it.</exception>
    public (Dataset First, Dataset Second) SplitOrdered(double firstFraction)
    {
        int firstCount = FirstCount(firstFraction, nameof(firstFraction));
        CheckNoClassHeldOut(firstCount, $"SplitOrdered({firstFraction})");
        return (Slice(0, firstCount), Slice(firstCount, Count - firstCount));
    }

    /// <summary>
    /// Keras's <c>validation_split</c>: the LAST <paramref name="validationFraction"/> of the samples, by position and
    /// not shuffled, are held out; the training part has <c>floor(Count * (1 - validationFraction))</c> samples, as in
    /// Keras. Prefer <see cref="Split"/> with a seed and <c>stratify: true</c>: on a file sorted by class, the tail is
    /// the last class. That case is refused rather than trained on silently.
    /// </summary>
    /// <param name="validationFraction">Between 0 and 1.</param>
    /// <exception cref="InvalidOperationException">The held-out tail holds every sample of a class; the message names it.</exception>
    public (Dataset Train, Dataset Validation) SplitValidation(double validationFraction)
    {
        if (!(validationFraction >= 0 && validationFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The fraction must be between 0 and 1.");
        int trainCount = (int)Math.Floor(Count * (1.0 - validationFraction));
        CheckNoClassHeldOut(trainCount, $"SplitValidation({validationFraction})");
        return (Slice(0, trainCount), Slice(trainCount, Count - trainCount));
    }

    private int FirstCount(double fraction, string argument)
    {
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(argument, fraction, "The fraction must be between 0 and 1.");
        return (int)Math.Round(Count * fraction, MidpointRounding.AwayFromZero);
    }

    /// <summary>Throws when the samples from <paramref name="firstCount"/> on hold every sample of some class.</summary>
    private void CheckNoClassHeldOut(int firstCount, string call)
    {
        if (_labels is null) return;
        var inFirst = new int[ClassCount];
        var inSecond = new int[ClassCount];
        for (int i = 0; i < _labels.Length; i++)
        {
            if (i < firstCount) inFirst[_labels[i]]++;
            else inSecond[_labels[i]]++;
        }
        var heldOut = new List<string>();
        int samples = 0;
        for (int c = 0; c < ClassCount; c++)
        {
            if (inFirst[c] > 0 || inSecond[c] == 0) continue;
            heldOut.Add(_classNames is null ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{c} ('{_classNames[c]}')");
            samples += inSecond[c];
        }
        if (heldOut.Count == 0) return;
        string classes = heldOut.Count == 1 ? "class " + heldOut[0] : "classes " + string.Join(", ", heldOut);
        throw new InvalidOperationException(
            $"{call} splits by position, and all {samples} samples of {classes} fall in the held-out part, so training would never see {(heldOut.Count == 1 ? "it" : "them")}: the data is probably sorted by class. Use Split(fraction, seed, stratify: true) for a shuffled split that keeps every class in both parts.");
    }

    /// <summary>
    /// How many samples of each class go into a first part of <paramref name="first"/> out of <paramref name="total"/>:
    /// proportional shares rounded down, plus one for each of the largest remainders until the counts add up.
    /// </summary>
    internal static int[] StratifiedQuotas(int[] classCounts, int first, int total)
    {
        var quota = new int[classCounts.Length];
        if (total == 0) return quota;
        var remainder = new long[classCounts.Length]; // n_c * first mod total: the fractional part, scaled by total
        int assigned = 0;
        for (int c = 0; c < classCounts.Length; c++)
        {
            long scaled = (long)classCounts[c] * first;
            quota[c] = (int)(scaled / total);
            remainder[c] = scaled % total;
            assigned += quota[c];
        }
        var byRemainder = new int[classCounts.Length];
        for (int c = 0; c < byRemainder.Length; c++) byRemainder[c] = c;
        Array.Sort(byRemainder, (a, b) =>
        {
            int order = remainder[b].CompareTo(remainder[a]);
            if (order == 0) order = classCounts[b].CompareTo(classCounts[a]);
            return order != 0 ? order : a.CompareTo(b);
        });
        for (int i = 0; assigned < first; i++, assigned++) quota[byRemainder[i]]++;
        return quota;
    }
}
