using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Myelin.Samples.Tabular;

/// <summary>Whether the label is a class (classification) or a number (regression).</summary>
internal enum TabularTask
{
    /// <summary>Class labels: names or indices.</summary>
    Classify,

    /// <summary>One numeric target.</summary>
    Regress,
}

/// <summary>A declared network of the catalogue.</summary>
/// <param name="Name">The name used with <c>--model</c> and stored in checkpoints.</param>
/// <param name="Task">What it does.</param>
/// <param name="Features">Its input width.</param>
/// <param name="Classes">The classes it tells apart (2 for a one-logit binary classifier); 0 for a regressor.</param>
/// <param name="Example">A dataset of this shape.</param>
/// <param name="Create">Builds it with weights from a seed.</param>
internal sealed record ModelInfo(string Name, TabularTask Task, int Features, int Classes, string Example, Func<int, ITrainableNetwork> Create)
{
    /// <summary><c>classifier4x3: 4 features -> 3 classes (e.g. iris)</c>.</summary>
    public string Describe() => Task == TabularTask.Classify
        ? string.Create(CultureInfo.InvariantCulture, $"{Name}: {Features} features -> {Classes} classes (e.g. {Example})")
        : string.Create(CultureInfo.InvariantCulture, $"{Name}: {Features} features -> 1 value (e.g. {Example})");
}

/// <summary>The networks of <c>Networks.cs</c>, and how to find the one for a file.</summary>
internal static class ModelCatalog
{
    /// <summary>Every network, in the order <c>models</c> lists them.</summary>
    public static IReadOnlyList<ModelInfo> Models { get; } =
    [
        new("classifier4x3", TabularTask.Classify, 4, 3, "iris", seed => new Classifier4x3(seed)),
        new("classifier13x3", TabularTask.Classify, 13, 3, "wine", seed => new Classifier13x3(seed)),
        new("classifier64x10", TabularTask.Classify, 64, 10, "8x8 digits", seed => new Classifier64x10(seed)),
        new("binary8", TabularTask.Classify, 8, 2, "Pima diabetes", seed => new Binary8(seed)),
        new("binary30", TabularTask.Classify, 30, 2, "breast cancer", seed => new Binary30(seed)),
        new("regressor8", TabularTask.Regress, 8, 0, "California housing", seed => new Regressor8(seed)),
        new("regressor10", TabularTask.Regress, 10, 0, "diabetes", seed => new Regressor10(seed)),
        new("regressor13", TabularTask.Regress, 13, 0, "house prices", seed => new Regressor13(seed)),
    ];

    /// <summary>The network called <paramref name="name"/>, or null.</summary>
    public static ModelInfo? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

    /// <summary>
    /// The network for <paramref name="features"/> inputs and <paramref name="classes"/> classes (0 for regression),
    /// or an error that lists the catalogue and shows the declaration to add.
    /// </summary>
    /// <exception cref="UsageException">No network has that shape.</exception>
    public static ModelInfo Match(TabularTask task, int features, int classes)
    {
        var model = Models.FirstOrDefault(m => m.Task == task && m.Features == features && m.Classes == classes);
        if (model is not null) return model;

        var c = CultureInfo.InvariantCulture;
        string shape = task == TabularTask.Classify
            ? string.Create(c, $"{features} features and {classes} classes")
            : string.Create(c, $"{features} features and one target");
        var text = new StringBuilder();
        text.Append(c, $"No declared network takes {shape}. Input and output widths are compile-time constants in Myelin, so this app has one network per shape:");
        foreach (var m in Models) text.Append("\n  ").Append(m.Describe());
        text.Append("\nTo train on this file, declare a network in Samples/Tabular/Networks.cs and add it to ModelCatalog.Models:\n");
        text.Append(Declaration(task, features, classes));
        return Throw(text.ToString());
    }

    /// <summary>The declaration of a network for the shape, as Networks.cs writes them.</summary>
    public static string Declaration(TabularTask task, int features, int classes)
    {
        var c = CultureInfo.InvariantCulture;
        bool binary = task == TabularTask.Classify && classes == 2;
        string loss = task == TabularTask.Regress ? "MeanSquaredError" : binary ? "BinaryCrossEntropy" : "SoftmaxCrossEntropy";
        int outputs = task == TabularTask.Classify && !binary ? classes : 1;
        string name = task == TabularTask.Regress ? $"Regressor{features}" : binary ? $"Binary{features}" : $"Classifier{features}x{classes}";
        return string.Create(c, $"  [Network(Loss = Loss.{loss})]\n  [Input({features})]\n  [Dense(32, Activation.ReLU)]\n  [Dense({outputs})]\n  public partial class {name};");
    }

    private static ModelInfo Throw(string message) => throw new UsageException(message, ExitCodes.Failure);
}
