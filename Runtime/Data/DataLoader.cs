using System;

namespace Myelin.Data;

/// <summary>
/// Cuts a <see cref="Dataset"/> into mini-batches, epoch after epoch, like PyTorch's <c>DataLoader</c>: optionally
/// shuffled, with a smaller last batch unless <see cref="DropLast"/> is set. Batches are gathered into buffers allocated
/// once by the constructor, so iterating allocates nothing.
/// </summary>
/// <remarks>
/// <para>
/// The order of epoch <c>e</c> depends only on the seed and <c>e</c>: the identity permutation shuffled by
/// <see cref="SeededRandom"/>(seed, stream: e). Iterating epoch 3 gives the same batches whether or not epochs 0 to 2
/// were iterated first, so a run resumed from a checkpoint sees the same data as an uninterrupted one.
/// </para>
/// <para>
/// With an <see cref="Data.Augment"/>, every sample of a batch is augmented as it is gathered, from the dataset's
/// untouched copy and with the draws of <c>(seed, epoch, dataset index)</c>, so an epoch's augmented data, too, depends
/// only on the seed and the epoch.
/// </para>
/// <para>
/// A batch's spans point into the loader's buffers (or straight into the dataset when neither shuffling nor augmenting)
/// and are valid until the next <c>MoveNext</c>. Only one epoch can be iterated at a time per loader; starting another makes the
/// first one's enumerator throw.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var loader = new DataLoader(train, batchSize: 64, shuffle: true, seed: 1);
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     foreach (var batch in loader.Epoch(epoch))
///         network.ForwardBackward(batch.Inputs, batch.Labels, batch.Size);
/// </code>
/// </example>
public sealed class DataLoader
{
    private readonly int[] _order;          // [Count] dataset indices in this epoch's order
    private readonly float[] _inputs;       // [BatchSize, SampleSize] gathered features of the current batch
    private readonly int[] _labels;         // [BatchSize] or empty for a dataset with targets
    private readonly float[] _targets;      // [BatchSize, TargetSize] or empty for a dataset with labels
    private int _generation;                // bumped by every epoch start, to detect two interleaved epochs
    private int _epoch;                     // the epoch being iterated, for the augmentation's draws

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The samples; not copied.</param>
    /// <param name="batchSize">Samples per batch, at least 1.</param>
    /// <param name="shuffle">Whether each epoch visits the samples in a new random order (training) or in dataset order (evaluation).</param>
    /// <param name="seed">The seed of the shuffles and of the augmentation.</param>
    /// <param name="dropLast">Whether to skip a last batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="augment">Random transforms applied to every sample as it is gathered, or null for the data as it is.</param>
    /// <exception cref="ArgumentException">An <paramref name="augment"/> is given but the samples are not images.</exception>
    public DataLoader(Dataset dataset, int batchSize, bool shuffle = false, int seed = 0, bool dropLast = false, Augment? augment = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        augment?.CheckShape(dataset.SampleShape);

        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Augment = augment is { IsIdentity: false } ? augment : null;
        BatchCount = dropLast ? dataset.Count / batchSize : (dataset.Count + batchSize - 1) / batchSize;

        _order = new int[dataset.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        int capacity = Math.Min(batchSize, dataset.Count);
        _inputs = shuffle || Augment is not null ? new float[capacity * dataset.SampleSize] : [];
        _labels = shuffle && dataset.HasLabels ? new int[capacity] : [];
        _targets = shuffle && !dataset.HasLabels ? new float[capacity * dataset.TargetSize] : [];
    }

    /// <summary>The dataset the batches come from.</summary>
    public Dataset Dataset { get; }

    /// <summary>Samples per batch; the last batch of an epoch may have fewer unless <see cref="DropLast"/>.</summary>
    public int BatchSize { get; }

    /// <summary>Whether every epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the shuffles and of the augmentation.</summary>
    public int Seed { get; }

    /// <summary>The transforms applied to every sample, or null when batches hold the data as it is.</summary>
    public Augment? Augment { get; }

    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>The batches of epoch <paramref name="epoch"/> (0 for the first), to use with <c>foreach</c>.</summary>
    public EpochBatches Epoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must not be negative.");
        return new EpochBatches(this, epoch);
    }

    private int StartEpoch(int epoch)
    {
        if (Shuffle)
        {
            // Restart from the identity so that the order depends on (seed, epoch) only.
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            new SeededRandom(Seed, stream: epoch).Shuffle(_order.AsSpan());
        }
        _epoch = epoch;
        return ++_generation;
    }

    private void CheckGeneration(int generation)
    {
        if (generation != _generation)
            throw new InvalidOperationException("Another epoch was started on this DataLoader; its batches share one set of buffers, so epochs must be iterated one at a time.");
    }

    private int SizeOf(int index) => Math.Min(BatchSize, Dataset.Count - index * BatchSize);

    /// <summary>
    /// Gathers batch <paramref name="index"/> of the shuffled order into the buffers, augmenting the features when there
    /// is an <see cref="Augment"/>; nothing to do in dataset order without one.
    /// </summary>
    private void Gather(int index, int generation)
    {
        CheckGeneration(generation);
        if (!Shuffle && Augment is null) return;

        int sampleSize = Dataset.SampleSize;
        int targetSize = Dataset.TargetSize;
        int size = SizeOf(index);
        ReadOnlySpan<int> indices = _order.AsSpan(index * BatchSize, size);
        ReadOnlySpan<float> features = Dataset.Features;
        for (int i = 0; i < size; i++)
        {
            ReadOnlySpan<float> sample = features.Slice(indices[i] * sampleSize, sampleSize);
            Span<float> destination = _inputs.AsSpan(i * sampleSize, sampleSize);
            if (Augment is null) sample.CopyTo(destination);
            else Augment.Apply(sample, destination, Dataset.SampleShape, Seed, _epoch, indices[i]);
        }
        if (!Shuffle) return; // labels and targets are read in place
        if (Dataset.HasLabels)
        {
            ReadOnlySpan<int> labels = Dataset.Labels;
            for (int i = 0; i < size; i++) _labels[i] = labels[indices[i]];
        }
        else
        {
            ReadOnlySpan<float> targets = Dataset.Targets;
            for (int i = 0; i < size; i++)
                targets.Slice(indices[i] * targetSize, targetSize).CopyTo(_targets.AsSpan(i * targetSize));
        }
    }

    /// <summary>Views of batch <paramref name="index"/>: the gathered buffers, or a contiguous slice of the dataset in dataset order.</summary>
    private Batch View(int index, int generation)
    {
        CheckGeneration(generation);
        if ((uint)index >= (uint)BatchCount)
            throw new InvalidOperationException("Current is only valid after MoveNext has returned true.");
        int start = index * BatchSize;
        int size = SizeOf(index);
        int sampleSize = Dataset.SampleSize;
        int targetSize = Dataset.TargetSize;
        bool hasLabels = Dataset.HasLabels;
        ReadOnlySpan<int> indices = _order.AsSpan(start, size);
        ReadOnlySpan<float> inputs = Shuffle || Augment is not null
            ? _inputs.AsSpan(0, size * sampleSize)
            : Dataset.Features.Slice(start * sampleSize, size * sampleSize);
        if (!Shuffle)
        {
            return new Batch(
                inputs,
                hasLabels ? Dataset.Labels.Slice(start, size) : default,
                hasLabels ? default : Dataset.Targets.Slice(start * targetSize, size * targetSize),
                hasLabels, size, index, indices);
        }
        return new Batch(
            inputs,
            hasLabels ? _labels.AsSpan(0, size) : default,
            hasLabels ? default : _targets.AsSpan(0, size * targetSize),
            hasLabels, size, index, indices);
    }

    /// <summary>The batches of one epoch. A struct, so <c>foreach</c> over it allocates nothing.</summary>
    public readonly struct EpochBatches
    {
        private readonly DataLoader _loader;
        private readonly int _epoch;

        internal EpochBatches(DataLoader loader, int epoch)
        {
            _loader = loader;
            _epoch = epoch;
        }

        /// <summary>The epoch these batches belong to.</summary>
        public int Epoch => _epoch;

        /// <summary>Starts the epoch: shuffles the order (when shuffling) and returns an enumerator over its batches.</summary>
        public Enumerator GetEnumerator() => new(_loader, _loader.StartEpoch(_epoch));
    }

    /// <summary>Enumerates the batches of one epoch.</summary>
    public struct Enumerator
    {
        private readonly DataLoader _loader;
        private readonly int _generation;
        private int _index;

        internal Enumerator(DataLoader loader, int generation)
        {
            _loader = loader;
            _generation = generation;
            _index = -1;
        }

        /// <summary>The current batch; its spans are valid until the next <see cref="MoveNext"/>.</summary>
        public readonly Batch Current => _loader.View(_index, _generation);

        /// <summary>Moves to the next batch and gathers it; false after the last one.</summary>
        public bool MoveNext()
        {
            if (_index >= _loader.BatchCount) return false;
            _index++;
            if (_index == _loader.BatchCount) return false;
            _loader.Gather(_index, _generation);
            return true;
        }
    }
}

/// <summary>One mini-batch from a <see cref="DataLoader"/>: views into the loader's buffers, valid until the next batch.</summary>
public readonly ref struct Batch
{
    private readonly ReadOnlySpan<int> _labels;
    private readonly ReadOnlySpan<float> _targets;
    private readonly bool _hasLabels;

    internal Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, bool hasLabels, int size, int index, ReadOnlySpan<int> sampleIndices)
    {
        Inputs = inputs;
        _labels = labels;
        _targets = targets;
        _hasLabels = hasLabels;
        Size = size;
        Index = index;
        SampleIndices = sampleIndices;
    }

    /// <summary>The features, <c>Size * SampleSize</c> floats, sample after sample.</summary>
    public ReadOnlySpan<float> Inputs { get; }

    /// <summary>The class index of each sample, <see cref="Size"/> of them.</summary>
    /// <exception cref="InvalidOperationException">The dataset has float targets.</exception>
    public ReadOnlySpan<int> Labels => _hasLabels ? _labels : throw new InvalidOperationException("This batch comes from a dataset with float targets, not class labels; use Targets.");

    /// <summary>The targets, <c>Size * TargetSize</c> floats.</summary>
    /// <exception cref="InvalidOperationException">The dataset has class labels.</exception>
    public ReadOnlySpan<float> Targets => _hasLabels ? throw new InvalidOperationException("This batch comes from a dataset with class labels, not float targets; use Labels.") : _targets;

    /// <summary>Whether the batch has <see cref="Labels"/> rather than <see cref="Targets"/>.</summary>
    public bool HasLabels => _hasLabels;

    /// <summary>The number of samples: the batch size, or fewer for the last batch of an epoch.</summary>
    public int Size { get; }

    /// <summary>The position of this batch in its epoch, from 0.</summary>
    public int Index { get; }

    /// <summary>The dataset index of each sample in the batch.</summary>
    public ReadOnlySpan<int> SampleIndices { get; }
}
