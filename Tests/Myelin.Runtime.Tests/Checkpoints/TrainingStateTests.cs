using Myelin.Checkpoints;
using Myelin.Optimizers;

namespace Myelin.Tests.Checkpoints;

public sealed class TrainingStateTests
{
    /// <summary>Adam-like state: two moments per parameter, step counts, hyperparameters, and one flat extra tensor.</summary>
    private static FakeOptimizer AdamLike(FakeNetwork network, int seed)
    {
        var random = new SeededRandom(seed);
        var tensors = new Dictionary<string, float[]>();
        var scalars = new Dictionary<string, double>
        {
            ["lr"] = 0.1 + 0.2,                 // 0.30000000000000004: needs all 17 digits
            ["eps"] = 1e-300,
            ["beta2"] = 0.999,
            ["max"] = double.MaxValue,
            ["negative_zero"] = -0.0,
            ["undefined"] = double.NaN,
            ["infinite"] = double.NegativeInfinity,
        };
        foreach (var tensor in network.Tensors.Where(t => t.Kind == TensorKind.Parameter))
        {
            tensors[tensor.Name + ".exp_avg"] = Enumerable.Range(0, tensor.Length).Select(_ => random.NextFloat() - 0.5f).ToArray();
            tensors[tensor.Name + ".exp_avg_sq"] = Enumerable.Range(0, tensor.Length).Select(_ => random.NextFloat() * 1e-6f).ToArray();
            scalars[tensor.Name + ".step"] = 1234;
        }
        tensors["schedule.history"] = [1f, 0.5f, 0.25f, 0.125f, 0.0625f];
        return new FakeOptimizer("Adam") { State = new OptimizerState("Adam", tensors, scalars) };
    }

    [Fact]
    public void Network_optimizer_tensors_scalars_and_progress_round_trip_exactly()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        var network = FakeNetwork.Standard(1, counter: 50);
        var optimizer = AdamLike(network, seed: 2);
        var progress = new TrainingProgress(Epoch: 3, GlobalStep: 1234, Seed: -987_654_321_012);
        Checkpoint.SaveTrainingState(network, optimizer, path, progress, new Dictionary<string, string> { ["note"] = "resume me" });

        var restored = FakeNetwork.Standard(9, counter: 0);
        var restoredOptimizer = new FakeOptimizer("Adam");
        var result = Checkpoint.LoadTrainingState(restored, restoredOptimizer, path);

        Assert.Equal(network.ParameterSnapshot, restored.ParameterSnapshot);
        Assert.Equal(network.BufferSnapshot, restored.BufferSnapshot);
        Assert.Equal(progress, result.Progress);
        Assert.Equal("resume me", result.Metadata["note"]);
        var expected = optimizer.State;
        var actual = restoredOptimizer.State;
        Assert.Equal("Adam", actual.Optimizer);
        Assert.Equal(expected.Tensors.Keys.Order(StringComparer.Ordinal), actual.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, values) in expected.Tensors) Assert.Equal(values, actual.Tensors[name]);
        Assert.Equal(expected.Scalars.Keys.Order(StringComparer.Ordinal), actual.Scalars.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in expected.Scalars)
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(actual.Scalars[name]));
    }

    [Fact]
    public void The_model_file_stays_a_plain_state_dict_and_the_optimizer_state_goes_beside_it()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        var network = FakeNetwork.Standard(1);
        Checkpoint.SaveTrainingState(network, AdamLike(network, 2), path, new TrainingProgress(1, 10, 7));

        Assert.Equal(["run.optim.safetensors", "run.safetensors"], directory.FileNames);
        using (var model = SafeTensorsFile.Open(path))
        {
            // Exactly the network's keys, so PyTorch's strict load_state_dict accepts the file as it is.
            Assert.Equal(network.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), model.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
            Assert.Equal("1", model.Metadata[CheckpointMetadata.Epoch]);
            Assert.Equal("10", model.Metadata[CheckpointMetadata.GlobalStep]);
            Assert.Equal("7", model.Metadata[CheckpointMetadata.Seed]);
        }
        var plain = Checkpoint.Load(FakeNetwork.Standard(3), path);
        Assert.True(plain.AllKeysMatched);
        Assert.Equal(new TrainingProgress(1, 10, 7), plain.Progress);

        using var optimizerFile = SafeTensorsFile.Open(directory.File("run.optim.safetensors"));
        Assert.Equal("Adam", optimizerFile.Metadata[CheckpointMetadata.Optimizer]);
        Assert.Equal("0.30000000000000004", optimizerFile.Metadata[CheckpointMetadata.OptimizerScalarPrefix + "lr"]);
        // Moments named after a parameter take its shape; other state is stored flat.
        Assert.Equal([3L, 4L], optimizerFile.GetTensor("dense.weight.exp_avg").Shape);
        Assert.Equal([5L], optimizerFile.GetTensor("schedule.history").Shape);
    }

    [Theory]
    [InlineData("model.safetensors", "model.optim.safetensors")]
    [InlineData("dir/model.SafeTensors", "dir/model.optim.safetensors")]
    [InlineData("model.ckpt", "model.ckpt.optim.safetensors")]
    public void The_optimizer_file_is_named_after_the_model_file(string model, string optimizer) =>
        Assert.Equal(optimizer, Checkpoint.OptimizerStatePath(model));

    [Fact]
    public void An_optimizer_file_from_another_save_is_rejected_and_nothing_changes()
    {
        using var directory = new TempDirectory();
        var network = FakeNetwork.Standard(1);
        string first = directory.File("a.safetensors"), second = directory.File("b.safetensors");
        Checkpoint.SaveTrainingState(network, AdamLike(network, 2), first, new TrainingProgress(1, 1, 1));
        Checkpoint.SaveTrainingState(network, AdamLike(network, 3), second, new TrainingProgress(2, 2, 1));
        File.Copy(directory.File("b.optim.safetensors"), directory.File("a.optim.safetensors"), overwrite: true);
        var target = FakeNetwork.Standard(5);
        var before = target.ParameterSnapshot;
        var optimizer = new FakeOptimizer("Adam");

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadTrainingState(target, optimizer, first));

        Assert.Contains("a.optim.safetensors' belongs to another save than", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, target.ParameterSnapshot);
        Assert.Empty(optimizer.State.Tensors);
    }

    [Fact]
    public void When_the_optimizer_rejects_its_state_the_network_is_restored()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        var network = FakeNetwork.Standard(1);
        Checkpoint.SaveTrainingState(network, AdamLike(network, 2), path, new TrainingProgress(1, 1, 1));
        var target = FakeNetwork.Standard(4, counter: 3);
        var before = (target.ParameterSnapshot, target.BufferSnapshot);
        var optimizer = new FakeOptimizer("Adam") { RejectState = new ArgumentException("exp_avg has the wrong size (injected)") };

        Assert.Throws<ArgumentException>(() => Checkpoint.LoadTrainingState(target, optimizer, path));

        Assert.Equal(before.ParameterSnapshot, target.ParameterSnapshot);
        Assert.Equal(before.BufferSnapshot, target.BufferSnapshot);
    }

    [Fact]
    public void State_of_another_optimizer_type_is_refused_by_name()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        var network = FakeNetwork.Standard(1);
        Checkpoint.SaveTrainingState(network, AdamLike(network, 2), path, new TrainingProgress(1, 1, 1));

        var error = Assert.Throws<InvalidOperationException>(() => Checkpoint.LoadTrainingState(FakeNetwork.Standard(2), new FakeOptimizer("SGD"), path));

        Assert.Contains("holds Adam state, but the optimizer to restore is SGD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_optimizer_file_or_a_plain_checkpoint_is_explained()
    {
        using var directory = new TempDirectory();
        var network = FakeNetwork.Standard(1);
        string plain = directory.File("plain.safetensors");
        Checkpoint.Save(network, plain);
        var notTraining = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadTrainingState(FakeNetwork.Standard(2), new FakeOptimizer("Adam"), plain));
        Assert.Contains("holds no training state", notTraining.Message, StringComparison.Ordinal);
        Assert.Contains("Checkpoint.Load", notTraining.Message, StringComparison.Ordinal);

        string run = directory.File("run.safetensors");
        Checkpoint.SaveTrainingState(network, AdamLike(network, 2), run, new TrainingProgress(1, 1, 1));
        File.Delete(directory.File("run.optim.safetensors"));
        var missing = Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadTrainingState(FakeNetwork.Standard(2), new FakeOptimizer("Adam"), run));
        Assert.Contains(directory.File("run.optim.safetensors"), missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_training_state_save_leaves_both_previous_files_and_no_temporary_file()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        var network = FakeNetwork.Standard(1);
        Checkpoint.SaveTrainingState(network, AdamLike(network, 2), path, new TrainingProgress(1, 1, 1));
        byte[] model = File.ReadAllBytes(path), optimizer = File.ReadAllBytes(directory.File("run.optim.safetensors"));
        var broken = AdamLike(network, 3);
        broken.State = broken.State with { Scalars = new Dictionary<string, double> { ["bad \ud800 name"] = 1 } };

        Assert.Throws<ArgumentException>(() => Checkpoint.SaveTrainingState(network, broken, path, new TrainingProgress(2, 2, 2)));

        Assert.Equal(["run.optim.safetensors", "run.safetensors"], directory.FileNames);
        Assert.Equal(model, File.ReadAllBytes(path));
        Assert.Equal(optimizer, File.ReadAllBytes(directory.File("run.optim.safetensors")));
    }
}
