using Myelin.Checkpoints;

namespace Myelin.Tests.Checkpoints;

/// <summary>Damages a saved checkpoint in place, the way a diverged run or a flipped bit would.</summary>
internal static class CheckpointPatch
{
    /// <summary>Overwrites element <paramref name="index"/> of the F32 tensor <paramref name="tensor"/> with <paramref name="value"/>.</summary>
    public static void SetFloat(string path, string tensor, long index, float value)
    {
        long offset;
        using (var file = SafeTensorsFile.Open(path))
        {
            var info = file.GetTensor(tensor);
            Assert.Equal(SafeTensorsDType.F32, info.DType);
            offset = 8 + file.HeaderLength + info.DataBegin + index * sizeof(float);
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(BitConverter.GetBytes(value));
    }
}
