using System.Globalization;

namespace Myelin.Package.Tests;

/// <summary>What the consumer program (Consumer/Program.cs) prints: the loss before and after training, and a prediction.</summary>
public sealed record TrainingReport(double LossBefore, double LossAfter, double Accuracy, int Predicted)
{
    /// <summary>Reads the program's "name value" lines.</summary>
    public static TrainingReport Parse(string output)
    {
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        double Number(string name) => values.TryGetValue(name, out string? text)
            ? double.Parse(text, CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"The consumer program printed no '{name}' line:\n{output}");
        return new TrainingReport(Number("loss-before"), Number("loss-after"), Number("accuracy"), (int)Number("predicted"));
    }

    /// <summary>
    /// Checks that training worked: an untrained 3-class network starts near ln 3 = 1.10; five epochs on three
    /// separated blobs take the loss below a tenth of that and classify every point, and the centre of the third blob,
    /// (0, 4), is class 2. A generator or runtime that computed the wrong gradients would fail all three.
    /// </summary>
    public void ShouldShowLearning()
    {
        Assert.InRange(LossBefore, 0.5, 3.0);
        Assert.True(LossAfter < LossBefore / 10, $"loss {LossBefore:0.####} before and {LossAfter:0.####} after training");
        Assert.True(Accuracy >= 0.95, $"training accuracy {Accuracy:P1}");
        Assert.Equal(2, Predicted);
    }
}
