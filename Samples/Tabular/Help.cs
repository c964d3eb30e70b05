using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Myelin.Samples.Tabular;

/// <summary>The <c>--help</c> texts, written from the option lists so that help and parser agree.</summary>
internal static class Help
{
    /// <summary>Writes the help of <paramref name="command"/>.</summary>
    public static void Write(TextWriter output, string command)
    {
        output.WriteLine($"{App.Name}: train a declared MLP on a CSV file, report held-out metrics, save and reload it.");
        output.WriteLine();
        switch (command)
        {
            case "predict":
                output.WriteLine($"Usage: {App.Name} predict --load PATH --csv FILE [options]");
                output.WriteLine("Prints the prediction for every row: the class name and its probability, or the value.");
                WriteOptions(output, PredictOptions.Options);
                break;
            case "models":
                output.WriteLine($"Usage: {App.Name} models");
                output.WriteLine("Lists the networks this app can train.");
                break;
            default:
                output.WriteLine($"Usage: {App.Name} [train] --csv FILE --label COLUMN --task classify|regress [options]");
                output.WriteLine($"       {App.Name} predict --load PATH --csv FILE");
                output.WriteLine($"       {App.Name} models");
                output.WriteLine();
                output.WriteLine("Splits the rows (stratified when classifying), fits the preprocessing on the training split, trains,");
                output.WriteLine("prints the test metrics, and with --save writes the model and its preprocessing to one safetensors file.");
                WriteOptions(output, TrainOptions.Options);
                output.WriteLine();
                output.WriteLine("Example:");
                output.WriteLine($"  {App.Name} --csv iris.csv --label species --task classify --save iris.safetensors");
                output.WriteLine($"  {App.Name} predict --load iris.safetensors --csv new-flowers.csv");
                break;
        }
    }

    private static void WriteOptions(TextWriter output, IReadOnlyList<OptionSpec> options)
    {
        output.WriteLine();
        output.WriteLine("Options:");
        var names = options.Select(o => o.Value is null ? o.Name : $"{o.Name} {o.Value}").ToArray();
        int width = names.Max(n => n.Length);
        for (int i = 0; i < options.Count; i++) output.WriteLine($"  {names[i].PadRight(width)}  {options[i].Help}");
    }
}
