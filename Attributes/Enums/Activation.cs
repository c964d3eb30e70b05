namespace Myelin;

/// <summary>An element-wise activation, fused into the layer that declares it.</summary>
public enum Activation
{
    /// <summary>Identity: the layer's output is its affine result.</summary>
    None = 0,

    /// <summary><c>max(x, 0)</c>.</summary>
    ReLU = 1,

    /// <summary><c>x &gt; 0 ? x : slope * x</c>; the slope is the layer's <c>NegativeSlope</c> (PyTorch's default 0.01).</summary>
    LeakyReLU = 2,

    /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
    Sigmoid = 3,

    /// <summary><c>tanh(x)</c>.</summary>
    Tanh = 4,

    /// <summary>Softmax over the features of each sample: <c>exp(x_i) / sum_j exp(x_j)</c>. Only for a 1-D output.</summary>
    Softmax = 5,
}
