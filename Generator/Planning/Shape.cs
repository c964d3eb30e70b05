using System.Linq;
using Myelin.Generator.Model;

namespace Myelin.Generator.Planning;

/// <summary>A per-sample tensor shape without the batch dimension: <c>[features]</c> or <c>[channels, height, width]</c>.</summary>
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

    public int Channels => Dims[0];

    public int Height => Dims[1];

    public int Width => Dims[2];

    /// <summary>As Keras's summary prints it: <c>784</c> or <c>6x26x26</c>.</summary>
    public override string ToString() => string.Join("x", Dims);
}
