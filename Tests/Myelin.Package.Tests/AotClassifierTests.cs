using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Myelin.Package.Tests;

/// <summary>
/// Trains a LeNet-5 checkpoint with the MNIST sample (one epoch), then builds Samples/AotClassifier twice: with the JIT
/// (<c>dotnet run</c>) and with Native AOT by the README's command, <c>dotnet publish Samples/AotClassifier -c Release</c>,
/// with no <c>-r</c>.
/// </summary>
public sealed class AotClassifierFixture : IDisposable
{
    /// <summary>Trains, publishes and runs both builds; the tests check what happened.</summary>
    public AotClassifierFixture()
    {
        Root = Repository.CreateScratchFolder("myelin-aot-classifier-");
        Checkpoint = Path.Combine(Root, "lenet.safetensors");
        PublishFolder = Path.Combine(Root, "aot");

        DotNet.Run(Repository.Root, ["run", "--project", "Samples/Mnist", "-c", "Release", "--",
            "train", "--model", "lenet", "--epochs", "1", "--save", Checkpoint]).ShouldSucceed();
        Publish = DotNet.Run(Repository.Root, ["publish", "Samples/AotClassifier", "-c", "Release", "-o", PublishFolder, "-warnaserror", "-tl:off"]);
    }

    /// <summary>The scratch folder.</summary>
    public string Root { get; }

    /// <summary>The LeNet-5 checkpoint both builds classify with.</summary>
    public string Checkpoint { get; }

    /// <summary>Where the Native AOT build was published.</summary>
    public string PublishFolder { get; }

    /// <summary>What <c>dotnet publish</c> printed.</summary>
    public CommandResult Publish { get; }

    /// <summary>The native executable.</summary>
    public string Executable => Path.Combine(PublishFolder, OperatingSystem.IsWindows() ? "myelin-classify.exe" : "myelin-classify");

    /// <summary>Runs the native executable.</summary>
    public CommandResult RunNative(params string[] arguments)
    {
        Publish.ShouldSucceed();
        return DotNet.Execute(Executable, Root, [Checkpoint, .. arguments]).ShouldSucceed();
    }

    /// <summary>Runs the JIT build (built by the same command as the sample's README line, without publishing).</summary>
    public CommandResult RunJit(params string[] arguments) =>
        DotNet.Run(Repository.Root, ["run", "--project", "Samples/AotClassifier", "-c", "Release", "--", Checkpoint, .. arguments]).ShouldSucceed();

    /// <inheritdoc />
    public void Dispose() => Repository.DeleteScratchFolder(Root);
}

[Collection(PackageCollection.Name)]
public sealed partial class AotClassifierTests(AotClassifierFixture sample) : IClassFixture<AotClassifierFixture>
{
    /// <summary>The executable's size limit. It was 1.82 MB (1,818,952 bytes) when the limit was set; about 10% headroom.</summary>
    private const long SizeBudget = 2_000_000;

    [Fact]
    public void The_sample_publishes_with_Native_AOT_without_a_single_trim_or_AOT_warning()
    {
        sample.Publish.ShouldSucceedWithoutWarnings();

        Assert.True(File.Exists(sample.Executable), $"no executable at {sample.Executable}:\n{sample.Publish.Output}");
        Assert.False(File.Exists(Path.Combine(sample.PublishFolder, "myelin-classify.dll")), "the publish folder holds the IL assembly: the sample was not compiled ahead of time");
    }

    [Fact]
    public void The_executable_stays_within_its_size_budget()
    {
        sample.Publish.ShouldSucceed();

        long size = new FileInfo(sample.Executable).Length;
        Assert.True(size <= SizeBudget, $"myelin-classify is {size:N0} bytes, over its budget of {SizeBudget:N0}");
    }

    [Fact]
    public void Publishing_without_a_runtime_identifier_still_targets_x86_64_v3_on_x64()
    {
        sample.Publish.ShouldSucceed();

        // The AOT compiler's response file is what it was actually told; publish without -r targets the SDK's own RID.
        string rid = RuntimeInformation.RuntimeIdentifier;
        string responseFile = Path.Combine(Repository.Root, "Samples", "AotClassifier", "obj", "Release", "net10.0", rid, "native", "myelin-classify.ilc.rsp");
        string arguments = File.ReadAllText(responseFile);
        if (RuntimeInformation.OSArchitecture == Architecture.X64)
            Assert.Contains("--instruction-set:x86-64-v3", arguments.Split('\n').Select(line => line.Trim()));
        else
            Assert.DoesNotContain("x86-64", arguments);
    }

    [Fact]
    public void The_native_build_classifies_the_held_out_digits_exactly_as_the_JIT_build()
    {
        string native = AccuracyLine(sample.RunNative().Output);
        string jit = AccuracyLine(sample.RunJit().Output);

        Assert.Equal(jit, native);
        // One epoch of LeNet-5 reaches about 90%; far less would mean the checkpoint did not load into the network.
        int correct = int.Parse(AccuracyPattern().Match(native).Groups["correct"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(correct, 1600, 2000);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    [InlineData("1999")]
    public void The_native_build_classifies_one_held_out_digit_exactly_as_the_JIT_build(string index)
    {
        string native = sample.RunNative(index).Output.Trim();
        string jit = sample.RunJit(index).Output.Trim();

        Assert.StartsWith($"digit {index}: predicted ", native);
        Assert.Equal(jit, native);
    }

    private static string AccuracyLine(string output) =>
        output.Split('\n').Select(line => line.Trim()).SingleOrDefault(line => AccuracyPattern().IsMatch(line))
        ?? throw new InvalidDataException($"myelin-classify printed no accuracy line:\n{output}");

    [GeneratedRegex(@"^held-out accuracy: .* \((?<correct>\d+) / 2000\)$")]
    private static partial Regex AccuracyPattern();
}
