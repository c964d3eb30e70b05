namespace Myelin;

/// <summary>
/// How a weight or bias tensor is initialised. The fan-in and fan-out are PyTorch's: for a dense weight
/// <c>[out, in]</c> they are <c>in</c> and <c>out</c>; for a convolution weight <c>[out, in, kh, kw]</c> they are
/// <c>in*kh*kw</c> and <c>out*kh*kw</c>.
/// </summary>
public enum Init
{
    /// <summary>
    /// PyTorch's default for the layer kind. Dense and Conv2D: weight and bias <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c>
    /// (that is <c>kaiming_uniform_(a=sqrt(5))</c>). BatchNorm: weight 1, bias 0.
    /// </summary>
    Default = 0,

    /// <summary>He uniform for ReLU: <c>U(-b, b)</c> with <c>b = sqrt(6 / fan_in)</c>.</summary>
    KaimingUniform = 1,

    /// <summary>He normal for ReLU: <c>N(0, 2 / fan_in)</c>.</summary>
    KaimingNormal = 2,

    /// <summary>Glorot uniform (Keras's default): <c>U(-b, b)</c> with <c>b = sqrt(6 / (fan_in + fan_out))</c>.</summary>
    XavierUniform = 3,

    /// <summary>Glorot normal: <c>N(0, 2 / (fan_in + fan_out))</c>.</summary>
    XavierNormal = 4,

    /// <summary>All zeros.</summary>
    Zeros = 5,

    /// <summary>All ones.</summary>
    Ones = 6,
}
