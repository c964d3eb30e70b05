using System;

namespace Myelin.Training;

/// <summary>
/// The area under the ROC curve of a binary classifier (scikit-learn's <c>roc_auc_score</c>): the probability that a
/// random positive sample scores above a random negative one, ties counting one half.
/// </summary>
/// <remarks>
/// Computed as the Mann–Whitney statistic from ranks: sort the scores, give tied scores their average rank, and
/// <c>AUC = (R₊ - n₊(n₊ + 1) / 2) / (n₊ n₋)</c>, where <c>R₊</c> is the sum of the positives' ranks. O(n log n),
/// in double.
/// </remarks>
public static class RocAuc
{
    /// <summary>The ROC AUC of <paramref name="scores"/> (probabilities or logits of class 1) against <paramref name="labels"/> (0 or 1).</summary>
    /// <exception cref="ArgumentException">The lengths differ, a label is not 0 or 1, a score is NaN, or only one class is present (the AUC is undefined).</exception>
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"scores has {scores.Length} values but labels has {labels.Length}.", nameof(labels));
        long positives = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] is not (0 or 1)) throw new ArgumentException($"Label {i} is {labels[i]}; ROC AUC needs labels 0 and 1.", nameof(labels));
            if (float.IsNaN(scores[i])) throw new ArgumentException($"Score {i} is NaN.", nameof(scores));
            positives += labels[i];
        }
        long negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException($"ROC AUC is undefined with only one class present ({positives} positive and {negatives} negative samples).", nameof(labels));

        var order = new int[scores.Length];
        var keys = scores.ToArray();
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(keys, order);

        double positiveRanks = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && keys[end] == keys[start]) end++;
            // Ranks start+1 .. end share their average.
            double rank = (start + 1 + end) / 2.0;
            for (int k = start; k < end; k++) positiveRanks += labels[order[k]] * rank;
            start = end;
        }
        return (positiveRanks - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
