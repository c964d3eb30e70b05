using System.Globalization;

namespace Myelin.Generator.Model;

/// <summary>How serious a diagnostic is; mirrors the Roslyn severities Myelin uses.</summary>
internal enum DiagnosticLevel
{
    Info = 0,
    Warning = 1,
    Error = 2,
}

/// <summary>
/// One entry of Myelin's diagnostic catalog as plain values: its ID, title, message format (composite format with
/// numbered holes) and severity. The Planner reports these; only the generator's output step turns them into Roslyn
/// descriptors, so that Planning and the models stay free of Roslyn types.
/// </summary>
internal sealed record DiagnosticDefinition(string Id, string Title, string MessageFormat, DiagnosticLevel Level)
{
    /// <summary>The message with its holes filled, as the compiler shows it.</summary>
    public string Format(EquatableArray<string> arguments) =>
        string.Format(CultureInfo.InvariantCulture, MessageFormat, arguments.ToArray());
}
