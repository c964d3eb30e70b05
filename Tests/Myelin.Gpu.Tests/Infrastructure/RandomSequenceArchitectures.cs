using System.Globalization;

namespace Myelin.Gpu.Tests.Infrastructure;

/// <summary>
/// Seeded random sequence network declarations, valid by construction: one to three recurrent layers (SimpleRNN with
/// tanh or ReLU, LSTM, GRU; one or both directions; every step or the last state), dropout or a dense layer on every step
/// between them, and a dense head after the last state or a flattened sequence, fitting a random loss. Small on purpose:
/// ILGPU's CPU accelerator runs every step's kernels one thread at a time.
/// </summary>
internal static class RandomSequenceArchitectures
{
    public static string Source(int seed, string className)
    {
        var random = new Random(seed);
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        string loss = RandomArchitectures.Loss(random);
        int steps = random.Next(2, 7), features = random.Next(1, 6);
        lines.Add(string.Create(c, $"[Input({steps}, {features})]"));

        int recurrent = random.Next(1, 4);
        bool sequence = true; // whether the last layer's output is still a sequence
        for (int r = 0; r < recurrent; r++)
        {
            bool last = r == recurrent - 1;
            // Every layer but the last returns every step; the last does now and then (a flattened sequence feeds the head).
            bool sequences = !last || random.Next(3) == 0;
            string units = random.Next(2, 8).ToString(c);
            string options = (sequences ? ", ReturnSequences = true" : "") + (random.Next(3) == 0 ? ", Bidirectional = true" : "");
            lines.Add(random.Next(3) switch
            {
                0 => $"[SimpleRNN({units}{(random.Next(2) == 0 ? ", Activation.ReLU" : "")}{options})]",
                1 => $"[LSTM({units}{options})]",
                _ => $"[GRU({units}{options})]",
            });
            sequence = sequences;
            if (!sequences) break;
            int between = random.Next(4);
            if (between == 0) lines.Add("[Dropout(0.3f)]");
            if (between == 1) lines.Add(string.Create(c, $"[Dense({random.Next(2, 6)}, Activation.{RandomArchitectures.Activations[random.Next(RandomArchitectures.Activations.Length)]}{(random.Next(4) == 0 ? ", Bias = false" : "")})]"));
        }
        if (sequence) lines.Add("[Flatten]");
        lines.Add(string.Create(c, $"[Dense({RandomArchitectures.Outputs(random, loss)})]"));
        return RandomArchitectures.Declaration(loss, lines, className);
    }
}
