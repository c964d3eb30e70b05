using System.Linq;
using Myelin.Generator.Model;

namespace Myelin.Generator.Planning;

/// <summary>
/// A per-sample tensor shape without the batch dimension: <c>[features]</c>, a sequence <c>[steps, features]</c>
/// (batches are <c>[batch, steps, features]</c>, PyTorch's <c>batch_first</c>) or <c>[channels, height, width]</c>.
/// </summary>
internal sealed record Shape(EquatableArray<int> Dims)
{
    public static Shape Vector(int features) => new(EquatableArray.Create(features));

    public static Shape Image(int channels, int height, int width) => new(EquatableArray.Create(channels, height, width));

    public int Rank => Dims.Count;

    /// <summary>The number of floats in one sample. Valid once the planner has checked <see cref="LongSize"/>.</summary>
    public int Size => (int)LongSize;

    /// <summary>The number of floats in one sample, without overflow.</summary>
    public long LongSize => Dims.Aggregate(1L, (a, b) => a * b);

    public bool IsVector => Rank == 1;

    public bool IsImage => Rank == 3;

    public bool IsSequence => Rank == 2;

    /// <summary>The steps of a sequence; 1 for any other shape.</summary>
    public int Steps => IsSequence ? Dims[0] : 1;

    /// <summary>The features of one step of a sequence: the last size.</summary>
    public int StepFeatures => Dims[Rank - 1];

    public static Shape Sequence(int steps, int features) => new(EquatableArray.Create(steps, features));

    public int Channels => Dims[0];

    public int Height => Dims[1];

    public int Width => Dims[2];

    /// <summary>As Keras's summary prints it: <c>784</c> or <c>6x26x26</c>.</summary>
    public override string ToString() => string.Join("x", Dims);
}
