using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace Myelin.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot testing for generated code: compares text with a committed <c>Snapshots/{name}.verified.cs</c> next to the
/// test source and fails with a line diff. A missing snapshot is written and fails; under CI (the <c>CI</c> variable
/// set) a missing snapshot fails without writing anything. <c>UPDATE_SNAPSHOTS=1</c> accepts the new output; read the
/// diff before committing it.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        bool update = Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1";
        bool ci = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
        Match(actual, name, directory, update, ci);
    }

    /// <summary>
    /// <see cref="Match(string, string, string)"/> with the snapshot directory and the two switches given explicitly
    /// instead of read from the caller's path and the environment, so that the helper itself can be tested.
    /// </summary>
    /// <param name="update">Accept a changed or missing snapshot (<c>UPDATE_SNAPSHOTS=1</c>); ignored under CI for a changed one.</param>
    /// <param name="ci">Fail on a missing snapshot without writing it (the <c>CI</c> variable).</param>
    public static void Match(string actual, string name, string directory, bool update, bool ci)
    {
        string verified = Path.Combine(directory, name + ".verified.cs");
        actual = Normalize(actual);

        if (!File.Exists(verified))
        {
            if (ci)
                Assert.Fail($"Snapshot {verified} is missing. Run the tests locally (without CI set), review the new file and commit it.");
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            if (!update) Assert.Fail($"Snapshot {verified} did not exist and was written. Review it, commit it and run the tests again.");
            return;
        }

        string expected = Normalize(File.ReadAllText(verified));
        if (expected == actual) return;
        if (update && !ci)
        {
            File.WriteAllText(verified, actual);
            return;
        }
        File.WriteAllText(Path.Combine(directory, name + ".received.cs"), actual);
        Assert.Fail($"Generated code differs from {verified} (- verified, + received; the received file is next to it):\n" + Diff(expected, actual));
    }

    /// <summary>A unified-style diff showing changed lines with three lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        var diff = InlineDiffBuilder.Diff(expected, actual);
        var lines = diff.Lines;
        var show = new bool[lines.Count];
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type == ChangeType.Unchanged) continue;
            for (int j = Math.Max(0, i - 3); j <= Math.Min(lines.Count - 1, i + 3); j++) show[j] = true;
        }
        var text = new StringBuilder();
        bool gap = false;
        for (int i = 0; i < lines.Count; i++)
        {
            if (!show[i])
            {
                if (!gap) text.AppendLine("  ...");
                gap = true;
                continue;
            }
            gap = false;
            string prefix = lines[i].Type switch
            {
                ChangeType.Inserted => "+ ",
                ChangeType.Deleted => "- ",
                _ => "  ",
            };
            text.Append(prefix).AppendLine(lines[i].Text);
        }
        return text.ToString();
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimStart('\uFEFF');
}
