using System.Reflection;
using Microsoft.CodeAnalysis;
using Myelin.Generator.Diagnostics;

namespace Myelin.Generator.Tests.Diagnostics;

/// <summary>
/// Every entry declared in <see cref="DiagnosticDescriptors"/>, found by reflection so that a new one is covered without
/// editing the tests, as the Roslyn descriptor the generator reports it with.
/// </summary>
internal static class DescriptorCatalog
{
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(Myelin.Generator.Model.DiagnosticDefinition))
        .Select(f => RoslynDiagnostics.Descriptor((Myelin.Generator.Model.DiagnosticDefinition)f.GetValue(null)!))
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToList();

    /// <summary>The repository root, found from this file's path at compile time.</summary>
    public static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string callerPath = "")
    {
        for (var directory = new DirectoryInfo(Path.GetDirectoryName(callerPath)!); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Compiler.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("No Compiler.sln above " + callerPath);
    }
}
