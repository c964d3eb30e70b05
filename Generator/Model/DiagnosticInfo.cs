using System.Globalization;

namespace Myelin.Generator.Model;

/// <summary>A diagnostic as a value: which catalog entry, where, and the message arguments as text.</summary>
internal sealed record DiagnosticInfo(DiagnosticDefinition Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDefinition descriptor, LocationInfo? location, params object[] arguments)
    {
        var text = new string[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
            text[i] = System.Convert.ToString(arguments[i], CultureInfo.InvariantCulture) ?? "";
        return new DiagnosticInfo(descriptor, location, new EquatableArray<string>(text));
    }

    public bool IsError => Descriptor.Level == DiagnosticLevel.Error;

    /// <summary>The rendered message.</summary>
    public string Message => Descriptor.Format(Arguments);

    public override string ToString() => $"{Descriptor.Id}: {Message}";
}
