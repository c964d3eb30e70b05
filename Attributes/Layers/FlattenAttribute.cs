using System;

namespace Myelin;

/// <summary>Flattens each sample to 1-D in row-major (C, H, W) order, as PyTorch's <c>nn.Flatten</c>. It costs nothing at run time.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
}
