using System.Reflection;

namespace Myelin.Package.Tests;

/// <summary>The repository these tests were built from, as recorded in the test assembly's metadata.</summary>
public static class Repository
{
    /// <summary>The repository's root folder (where Compiler.sln is).</summary>
    public static string Root { get; } = Metadata("RepositoryRoot");

    /// <summary>The version the repository packs (Directory.Build.props), e.g. 0.1.0.</summary>
    public static string Version { get; } = Metadata("MyelinVersion");

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata; Myelin.Package.Tests.csproj should set it.");

    /// <summary>Creates an empty folder for one test run under the system's temporary folder, outside the repository.</summary>
    public static string CreateScratchFolder(string prefix)
    {
        string folder = Directory.CreateTempSubdirectory(prefix).FullName;
        // Stop MSBuild's upward search here, so that nothing above the temporary folder (a repository's
        // Directory.Build.props when TMPDIR points into one) changes the projects the tests create.
        File.WriteAllText(Path.Combine(folder, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(folder, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(folder, "Directory.Packages.props"), "<Project />\n");
        return folder;
    }

    /// <summary>Deletes a scratch folder, leaving it behind if something still holds a file in it.</summary>
    public static void DeleteScratchFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The operating system cleans its temporary folder; a failed clean-up must not fail the tests.
        }
    }
}
