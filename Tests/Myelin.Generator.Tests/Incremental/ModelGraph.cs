using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Myelin.Generator.Model;

namespace Myelin.Generator.Tests.Incremental;

/// <summary>
/// Walks the values a pipeline step produced and reports anything that must not cross a cache boundary: a Roslyn
/// symbol, syntax node or tree, location, compilation or semantic model (they pin a compilation and defeat caching),
/// a type that is neither a Myelin model nor a known value type (an <c>ImmutableArray</c> or <c>List</c> compares by
/// reference), and a bare array field outside <see cref="EquatableArray{T}"/> (it breaks a record's value equality).
/// </summary>
internal static class ModelGraph
{
    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SyntaxToken), typeof(SyntaxReference), typeof(Location),
        typeof(Compilation), typeof(SemanticModel), typeof(AttributeData), typeof(TypedConstant),
    };

    /// <summary>Roslyn types that are plain values and safe in a model.</summary>
    private static readonly Type[] Leaves =
    {
        typeof(TextSpan), typeof(LinePositionSpan), typeof(LinePosition), typeof(DiagnosticDescriptor),
    };

    private static readonly Assembly GeneratorAssembly = typeof(NetworkGenerator).Assembly;

    /// <summary>Every problem found under <paramref name="root"/>, each as a path such as <c>ParseResult.Spec.Layers[0].Location</c>.</summary>
    public static IReadOnlyList<string> Problems(object? root, string rootName, Func<Type, bool>? isModelType = null)
    {
        var problems = new List<string>();
        Visit(root, rootName, isModelType ?? (t => t.Assembly == GeneratorAssembly), problems, new HashSet<object>(ReferenceEqualityComparer.Instance));
        return problems;
    }

    /// <summary>Fails if any output of any Myelin tracked step holds something that must not be cached.</summary>
    public static void AssertClean(GeneratorDriverRunResult result)
    {
        var problems = new List<string>();
        foreach (string step in CachingAssert.TrackedStepNames)
        {
            foreach (var run in result.Results.SelectMany(r => r.TrackedSteps.GetValueOrDefault(step, ImmutableArrayEmpty)))
            {
                for (int i = 0; i < run.Outputs.Length; i++)
                    problems.AddRange(Problems(run.Outputs[i].Value, $"{step}[{i}]"));
            }
        }
        Assert.True(problems.Count == 0, "Pipeline values hold objects that defeat caching:\n" + string.Join("\n", problems));
    }

    private static readonly System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep> ImmutableArrayEmpty =
        System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>.Empty;

    private static void Visit(object? value, string path, Func<Type, bool> isModelType, List<string> problems, HashSet<object> seen)
    {
        if (value is null) return;
        var type = value.GetType();
        if (!type.IsValueType && !seen.Add(value)) return; // each object once, however many paths lead to it
        if (Forbidden.Any(f => f.IsAssignableFrom(type)))
        {
            problems.Add($"{path}: {type.FullName}");
            return;
        }
        if (type.IsPrimitive || type.IsEnum || value is string || value is decimal || Leaves.Contains(type)) return;

        if (value is Array array)
        {
            int index = 0;
            foreach (object? item in array) Visit(item, $"{path}[{index++}]", isModelType, problems, seen);
            return;
        }
        if (!isModelType(type))
        {
            problems.Add($"{path}: {type.FullName} is neither a Myelin model nor a known value type");
            return;
        }

        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                string name = field.Name.StartsWith('<') ? field.Name[1..field.Name.IndexOf('>')] : field.Name;
                bool inEquatableArray = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(EquatableArray<>);
                if (field.FieldType.IsArray && !inEquatableArray)
                    problems.Add($"{path}.{name}: a {field.FieldType.Name} field compares by reference; use EquatableArray");
                Visit(field.GetValue(value), inEquatableArray ? path : $"{path}.{name}", isModelType, problems, seen);
            }
        }
        // Computed properties too: a getter could hand out something a field does not show.
        foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            object? result;
            try
            {
                result = property.GetValue(value);
            }
            catch (TargetInvocationException)
            {
                continue; // e.g. Shape.Height on a vector: a getter that does not apply holds nothing either
            }
            Visit(result, $"{path}.{property.Name}", isModelType, problems, seen);
        }
    }
}
