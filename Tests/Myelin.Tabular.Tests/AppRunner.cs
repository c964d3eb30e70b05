using Myelin.Samples.Tabular;

namespace Myelin.Tabular.Tests;

/// <summary>Runs the app in process and captures what it prints.</summary>
internal static class AppRunner
{
    public static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        int code = App.Run(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }
}
