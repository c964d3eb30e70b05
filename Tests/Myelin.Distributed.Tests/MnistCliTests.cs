using System.Globalization;
using System.Text.RegularExpressions;
using Myelin.Checkpoints;
using Myelin.Distributed.Worker;
using Myelin.Samples.Mnist;

namespace Myelin.Distributed.Tests;

/// <summary>The MNIST app's <c>train</c> under <c>mpirun -np 2</c>, against the same command in one process.</summary>
public sealed partial class MnistCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("myelin-mpi-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Train_under_mpirun_prints_and_saves_on_rank_0_only_and_matches_one_process()
    {
        string app = MpiRun.Program("myelin-mnist.dll");
        string alonePath = Path.Combine(_directory, "alone.safetensors");
        string parallelPath = Path.Combine(_directory, "parallel.safetensors");
        string logs = Path.Combine(_directory, "logs");
        string[] train = ["train", "--model", "mlp", "--epochs", "2", "--batch", "64"];

        var alone = MpiRun.Alone(app, [.. train, "--save", alonePath]).EnsureSuccess();
        var parallel = MpiRun.Mpirun(2, app, logs, [.. train, "--save", parallelPath]).EnsureSuccess();
        string rank0 = MpiRun.RankOutput(logs, 0);

        // Rank 0 prints the whole report, saying how it trains; rank 1 prints nothing at all.
        Assert.Contains("Data-parallel on 2 MPI ranks (Open MPI v4.", rank0);
        Assert.Contains("batches of 64 split 32 per rank, one allreduce of 101,770 gradients per step", rank0);
        Assert.Equal(2, Regex.Matches(rank0, @"^Epoch \d/2 ", RegexOptions.Multiline).Count);
        Assert.Contains($"Saved the network to {parallelPath}", rank0);
        Assert.Equal("", MpiRun.RankOutput(logs, 1) + MpiRun.RankOutput(logs, 1, "stderr"));
        Assert.Equal("", MpiRun.RankOutput(logs, 0, "stderr"));

        // The same 250 steps up to the order of float sums. Over a run this long, a ReLU that one run sees just above 0
        // and the other just below (a near-tie decided by the last bit) sets the two apart by about 1e-3 of the
        // weights' movement, so compare what the runs report: the epochs' losses to 3 decimals and the held-out accuracy
        // to 10 of the 2,000 digits. Rank 1's gradients left out would cost a tenth or more of the first epoch's loss.
        double[] aloneLosses = Losses(alone.Output), parallelLosses = Losses(rank0);
        Assert.Equal(2, aloneLosses.Length);
        Assert.Equal(aloneLosses.Length, parallelLosses.Length);
        for (int epoch = 0; epoch < aloneLosses.Length; epoch++)
            Assert.True(Math.Abs(aloneLosses[epoch] - parallelLosses[epoch]) <= 1e-3, $"epoch {epoch + 1}: loss {parallelLosses[epoch]} on 2 ranks, {aloneLosses[epoch]} in one process");
        Assert.InRange(Accuracy(rank0), Accuracy(alone.Output) - 0.5, Accuracy(alone.Output) + 0.5);
        // The file rank 0 saved is a checkpoint of the trained MLP.
        var saved = new MnistMlp(seed: 1);
        Checkpoint.Load(saved, parallelPath);
        Assert.NotEqual(new MnistMlp(seed: 1).Parameters.ToArray(), saved.Parameters.ToArray());
    }

    [Fact]
    public void A_failure_on_one_rank_ends_the_whole_job_with_the_error()
    {
        // Rank 0 alone checks --save; a folder that does not exist fails it before training, while rank 1 has
        // already gone on to the first collective call. mpirun must end the job rather than leave rank 1 waiting.
        string app = MpiRun.Program("myelin-mnist.dll");
        string logs = Path.Combine(_directory, "logs");
        string missing = Path.Combine(_directory, "no-such-folder", "mlp.safetensors");
        var job = MpiRun.Mpirun(2, app, logs, "train", "--model", "mlp", "--epochs", "1", "--save", missing);

        Assert.NotEqual(0, job.ExitCode);
        Assert.Contains("error:", MpiRun.RankOutput(logs, 0, "stderr"));
        Assert.Contains("no-such-folder", MpiRun.RankOutput(logs, 0, "stderr"));
    }

    private static double[] Losses(string output) =>
        EpochLoss().Matches(output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();

    private static double Accuracy(string output)
    {
        var match = HeldOutAccuracy().Match(output);
        Assert.True(match.Success, $"No 'Held-out accuracy' line in:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^Epoch \d+/\d+  loss (\d+\.\d+)", RegexOptions.Multiline)]
    private static partial Regex EpochLoss();

    [GeneratedRegex(@"Held-out accuracy: (\d+\.\d+)%")]
    private static partial Regex HeldOutAccuracy();
}
