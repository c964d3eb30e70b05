using Myelin.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace Myelin.Generator.Tests;

/// <summary>The snapshot helper itself, driven in a temporary directory with the update and CI switches set explicitly.</summary>
public sealed class SnapshotHelperTests : IDisposable
{
    private const string Verified = "class A\n{\n    int One() => 1;\n    int Two() => 2;\n    int Three() => 3;\n    int Four() => 4;\n    int Five() => 5;\n    int Six() => 6;\n    int Seven() => 7;\n    int Eight() => 8;\n    int Nine() => 9;\n}\n";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "myelin-snapshots-" + Guid.NewGuid().ToString("N"));

    private string VerifiedPath => Path.Combine(_directory, "Net.verified.cs");

    private string ReceivedPath => Path.Combine(_directory, "Net.received.cs");

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Equal_text_passes_whatever_the_line_endings_and_byte_order_mark()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(VerifiedPath, "\uFEFF" + Verified.Replace("\n", "\r\n", StringComparison.Ordinal));
        Snapshot.Match(Verified, "Net", _directory, update: false, ci: true);
        Assert.False(File.Exists(ReceivedPath));
    }

    [Fact]
    public void A_mismatch_fails_with_a_diff_of_the_changed_line_in_context_and_writes_the_received_file()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(VerifiedPath, Verified);
        string received = Verified.Replace("Six() => 6", "Six() => 60", StringComparison.Ordinal);

        var failure = Assert.Throws<FailException>(() => Snapshot.Match(received, "Net", _directory, update: false, ci: false));

        string expectedDiff = string.Join("\n",
            "  ...",
            "      int Three() => 3;",
            "      int Four() => 4;",
            "      int Five() => 5;",
            "-     int Six() => 6;",
            "+     int Six() => 60;",
            "      int Seven() => 7;",
            "      int Eight() => 8;",
            "      int Nine() => 9;",
            "  ...",
            "");
        Assert.Contains("Net.verified.cs", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith(expectedDiff, failure.Message.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(received, File.ReadAllText(ReceivedPath));
        Assert.Equal(Verified, File.ReadAllText(VerifiedPath));
    }

    [Fact]
    public void A_mismatch_under_CI_fails_even_when_updates_are_requested()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(VerifiedPath, Verified);
        Assert.Throws<FailException>(() => Snapshot.Match(Verified + "// more\n", "Net", _directory, update: true, ci: true));
        Assert.Equal(Verified, File.ReadAllText(VerifiedPath));
    }

    [Fact]
    public void A_mismatch_with_updates_requested_overwrites_the_snapshot_and_passes()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(VerifiedPath, Verified);
        Snapshot.Match(Verified + "// more\n", "Net", _directory, update: true, ci: false);
        Assert.Equal(Verified + "// more\n", File.ReadAllText(VerifiedPath));
    }

    [Fact]
    public void A_missing_snapshot_under_CI_fails_and_writes_nothing()
    {
        var failure = Assert.Throws<FailException>(() => Snapshot.Match(Verified, "Net", _directory, update: true, ci: true));
        Assert.Contains("is missing", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(VerifiedPath));
    }

    [Fact]
    public void A_missing_snapshot_outside_CI_is_written_and_fails_so_that_it_gets_reviewed()
    {
        var failure = Assert.Throws<FailException>(() => Snapshot.Match(Verified, "Net", _directory, update: false, ci: false));
        Assert.Contains("did not exist and was written", failure.Message, StringComparison.Ordinal);
        Assert.Equal(Verified, File.ReadAllText(VerifiedPath));
    }

    [Fact]
    public void A_missing_snapshot_with_updates_requested_is_written_and_passes()
    {
        Snapshot.Match(Verified, "Net", _directory, update: true, ci: false);
        Assert.Equal(Verified, File.ReadAllText(VerifiedPath));
    }
}
