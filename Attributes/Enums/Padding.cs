namespace Myelin;

/// <summary>How a convolution pads its input.</summary>
public enum Padding
{
    /// <summary>No padding (Keras's <c>"valid"</c>, PyTorch's <c>padding=0</c>), unless an explicit <c>PaddingSize</c> is set.</summary>
    Valid = 0,

    /// <summary>
    /// Pad so that, with stride 1, the output has the input's height and width (Keras's and PyTorch's <c>"same"</c>).
    /// With an even kernel the extra row and column go at the bottom and right, as in PyTorch.
    /// </summary>
    Same = 1,
}
