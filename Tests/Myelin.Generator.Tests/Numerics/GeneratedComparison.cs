using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Myelin.Generator.Tests.Infrastructure;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// The tolerances of float (generated) against double (reference) results.
/// Outputs and the loss: <c>|gen - ref| &lt;= Values * (1 + |ref|)</c>.
/// Gradients and buffers: <c>|gen - ref| &lt;= Gradients * max|ref over the tensor| + Floor</c>, so that an element is
/// judged against the scale of its own tensor (float sums lose absolute, not relative, precision).
/// </summary>
internal sealed record Tolerance(double Values = 1e-4, double Gradients = 1e-3, double Floor = 1e-6)
{
    public static readonly Tolerance Default = new();
}

/// <summary>One case of the generated-versus-reference comparison: a network, its data seed, batch and mode.</summary>
internal sealed record ComparisonCase(RefNetwork Network, int Seed, int Batch, bool Training)
{
    public string Describe() =>
        $"seed {Seed}, batch {Batch}, {(Training ? "training" : "eval")} mode, network:\n{Network.ToDeclaration()}";
}

/// <summary>
/// Generates, compiles and runs networks, and compares them with <see cref="ReferenceInterpreter"/>: the forward
/// outputs, the loss, every parameter gradient and every buffer after the step. Failures are collected as readable
/// text (the network's source, the tensor and the first mismatching index) so that one test can report them all.
/// </summary>
internal static class GeneratedComparison
{
    /// <summary>The batch capacity every test network is created with.</summary>
    public const int Capacity = 8;

    /// <summary>
    /// Generates, compiles and loads <paramref name="source"/> like <see cref="GeneratorHarness.CompileAndLoad"/>, but binds
    /// the code once: <c>Emit</c> already reports every error and warning, and a separate <c>GetDiagnostics</c> pass would
    /// double the cost, which dominates these tests. Fails on any warning or error, listing the generated code.
    /// </summary>
    public static Assembly CompileAndLoad(string source)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source), GeneratorHarness.CreateDriver(trackSteps: false));
        using var stream = new MemoryStream();
        var emitted = run.Output.Emit(stream);
        var problems = run.GeneratorDiagnostics.Concat(emitted.Diagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).Distinct().ToList();
        if (problems.Count > 0 || !emitted.Success)
        {
            throw new InvalidOperationException("Generated code did not compile cleanly:\n" + string.Join("\n", problems) + "\n\n"
                + string.Join("\n\n", run.Sources.Select(s => s.Text)));
        }
        stream.Position = 0;
        // A collectible context per compilation, so that the test networks do not pile up in memory.
        return new AssemblyLoadContext("Myelin numerics " + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(stream);
    }

    /// <summary>
    /// Compiles all networks in one compilation (much faster than one each). If that fails, compiles them one by one
    /// so that only the networks the generator gets wrong fail, each with its own error.
    /// </summary>
    public static Dictionary<string, Func<Assembly>> CompileAll(string ns, IReadOnlyList<RefNetwork> networks, List<string> failures)
    {
        var result = new Dictionary<string, Func<Assembly>>(StringComparer.Ordinal);
        try
        {
            var assembly = CompileAndLoad(RefNetwork.ToSource(ns, networks));
            foreach (var network in networks) result[network.ClassName] = () => assembly;
            return result;
        }
        catch (InvalidOperationException)
        {
            foreach (var network in networks)
            {
                try
                {
                    var single = CompileAndLoad(network.ToSource(ns));
                    result[network.ClassName] = () => single;
                }
                catch (InvalidOperationException e)
                {
                    failures.Add($"{network.ClassName} does not generate or compile:\n{network.ToDeclaration()}\n{Shorten(e.Message, 3000)}");
                }
            }
            return result;
        }
    }

    /// <summary>Creates the generated network <paramref name="network"/> from <paramref name="assembly"/>.</summary>
    public static ITrainableNetwork Create(Assembly assembly, string ns, RefNetwork network, int seed = 1) =>
        GeneratorHarness.CreateTrainable(assembly, ns + "." + network.ClassName, seed, Capacity);

    /// <summary>
    /// Overwrites every parameter and buffer with seeded random values: weights with variance 1/fan-in, biases and
    /// batch-norm shifts in [-0.5, 0.5], batch-norm scales in [0.5, 1.5], running means in [-0.5, 0.5], running variances
    /// in [0.5, 2], counters small integers. Random, not default, values make the batch-norm paths take real work.
    /// </summary>
    public static void Randomize(INetwork network, Random random)
    {
        var parameters = network.Parameters;
        var buffers = network.Buffers;
        foreach (var tensor in network.Tensors)
        {
            var target = tensor.Kind == TensorKind.Parameter ? parameters : buffers;
            for (int i = 0; i < tensor.Length; i++)
            {
                double u = random.NextDouble();
                target[tensor.Offset + i] = (float)(tensor switch
                {
                    { Kind: TensorKind.Counter } => random.Next(5),
                    { Kind: TensorKind.Buffer } when tensor.Name.EndsWith(".running_var", StringComparison.Ordinal) => 0.5 + 1.5 * u,
                    { Kind: TensorKind.Buffer } => u - 0.5,
                    { Shape.Count: 1 } when tensor.Name.EndsWith(".weight", StringComparison.Ordinal) => 0.5 + u,
                    { Shape.Count: 1 } => u - 0.5,
                    _ => (2 * u - 1) * Math.Sqrt(3.0 / (tensor.Length / tensor.Shape[0])),
                });
            }
        }
    }

    /// <summary>Random inputs in [-1, 1).</summary>
    public static float[] Inputs(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();

    /// <summary>Targets that fit the loss: class labels, probabilities in [0, 1], or values in [-1, 1).</summary>
    public static (int[]? Labels, float[]? Values) Targets(Random random, RefNetwork network, int batch)
    {
        int outputs = network.OutputSize;
        return network.Loss switch
        {
            Loss.SoftmaxCrossEntropy => (Enumerable.Range(0, batch).Select(_ => random.Next(outputs)).ToArray(), null),
            Loss.BinaryCrossEntropy => (null, Enumerable.Range(0, batch * outputs).Select(_ => (float)random.NextDouble()).ToArray()),
            _ => (null, Enumerable.Range(0, batch * outputs).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray()),
        };
    }

    /// <summary>Calls the ForwardBackward overload that fits the targets.</summary>
    public static float ForwardBackward(ITrainableNetwork network, float[] inputs, (int[]? Labels, float[]? Values) targets, int batch) =>
        targets.Labels is not null ? network.ForwardBackward(inputs, targets.Labels, batch) : network.ForwardBackward(inputs, targets.Values!, batch);

    /// <summary>Calls the ComputeLoss overload that fits the targets.</summary>
    public static float ComputeLoss(ITrainableNetwork network, float[] inputs, (int[]? Labels, float[]? Values) targets, int batch) =>
        targets.Labels is not null ? network.ComputeLoss(inputs, targets.Labels, batch) : network.ComputeLoss(inputs, targets.Values!, batch);

    public static RefTargets ToReference((int[]? Labels, float[]? Values) targets) =>
        targets.Labels is not null ? RefTargets.FromLabels(targets.Labels) : RefTargets.FromValues(targets.Values!);

    public static double[] ToDouble(IEnumerable<float> values) => values.Select(v => (double)v).ToArray();

    /// <summary>
    /// Runs one case through the generated network and the reference and appends every mismatch to <paramref name="failures"/>.
    /// <paramref name="prepare"/> may change the generated network (freeze layers) after randomisation.
    /// </summary>
    /// <returns>The reference pass, for further checks.</returns>
    public static RefPass? Compare(Assembly assembly, string ns, ComparisonCase c, List<string> failures,
        Tolerance? tolerance = null, Action<ITrainableNetwork>? prepare = null, Func<ITrainableNetwork, string, bool>? isFrozen = null)
    {
        tolerance ??= Tolerance.Default;
        var random = new Random(c.Seed);
        var generated = Create(assembly, ns, c.Network);
        int before = failures.Count;
        CheckShapes(generated, c, failures);
        if (failures.Count > before) return null;

        Randomize(generated, random);
        prepare?.Invoke(generated);
        var inputs = Inputs(random, c.Batch * c.Network.InputSize);
        var targets = Targets(random, c.Network, c.Batch);
        var tensors = RefTensors.CopyFrom(generated, c.Network);

        generated.IsTraining = c.Training;
        float loss = ForwardBackward(generated, inputs, targets, c.Batch);
        var reference = ReferenceInterpreter.Run(c.Network, tensors, ToDouble(inputs), c.Batch, ToReference(targets), c.Training, backward: true);

        var problems = new List<string>();
        CompareValues("outputs", generated.Outputs.ToArray(), reference.Outputs, tolerance, problems);
        CompareValues("loss", new[] { loss }, new[] { reference.Loss }, tolerance, problems);
        foreach (var tensor in generated.Tensors)
        {
            if (tensor.Kind == TensorKind.Parameter)
            {
                var gradient = generated.Gradients.Slice(tensor.Offset, tensor.Length).ToArray();
                if (isFrozen is not null && isFrozen(generated, tensor.Name))
                    CompareExactlyZero("gradient of frozen " + tensor.Name, gradient, problems);
                else
                    CompareTensor("gradient of " + tensor.Name, gradient, reference.Gradients[tensor.Name], tolerance, problems);
            }
            else
            {
                var buffer = generated.Buffers.Slice(tensor.Offset, tensor.Length).ToArray();
                CompareTensor(tensor.Name + " after the step", buffer, reference.TensorsAfter[tensor.Name], tolerance, problems);
            }
        }

        // ComputeLoss and Forward must agree with the same reference pass. They come last because in training mode they
        // update the running statistics once more (the loss and outputs use batch statistics, so they do not change).
        var gradients = generated.Gradients.ToArray();
        float computed = ComputeLoss(generated, inputs, targets, c.Batch);
        CompareValues("ComputeLoss", new[] { computed }, new[] { reference.Loss }, tolerance, problems);
        CompareValues("outputs after ComputeLoss", generated.Outputs.ToArray(), reference.Outputs, tolerance, problems);
        if (!generated.Gradients.SequenceEqual(gradients)) problems.Add("ComputeLoss changed the gradients");
        var outputs = new float[c.Batch * c.Network.OutputSize];
        generated.Forward(inputs, outputs, c.Batch);
        CompareValues("Forward", outputs, reference.Outputs, tolerance, problems);

        if (problems.Count > 0)
            failures.Add($"{c.Network.ClassName} ({c.Describe()}):\n  " + string.Join("\n  ", problems));
        return reference;
    }

    /// <summary>Checks the output shape, every layer's output shape and the parameter table against the reference's.</summary>
    public static void CheckShapes(INetwork generated, ComparisonCase c, List<string> failures)
    {
        var shapes = c.Network.LayerShapes;
        var names = c.Network.LayerNames;
        var problems = new List<string>();
        if (!generated.OutputShape.SequenceEqual(c.Network.OutputShape))
            problems.Add($"output shape is [{string.Join(", ", generated.OutputShape)}], the reference's [{string.Join(", ", c.Network.OutputShape)}]");
        if (generated.Layers.Count != shapes.Count)
        {
            problems.Add($"{generated.Layers.Count} layers, the reference has {shapes.Count}");
        }
        else
        {
            for (int i = 0; i < shapes.Count; i++)
            {
                if (!generated.Layers[i].OutputShape.SequenceEqual(shapes[i]) || generated.Layers[i].Name != names[i])
                    problems.Add($"layer {i} is {generated.Layers[i].Name} {generated.Layers[i].OutputShapeText}, the reference's {names[i]} {string.Join("x", shapes[i])}");
            }
        }
        try
        {
            RefTensors.CheckTable(generated, c.Network);
        }
        catch (InvalidOperationException e)
        {
            problems.Add(e.Message);
        }
        if (problems.Count > 0) failures.Add($"{c.Network.ClassName} ({c.Describe()}):\n  " + string.Join("\n  ", problems));
    }

    /// <summary>Outputs and losses: <c>|gen - ref| &lt;= Values * (1 + |ref|)</c>, element by element.</summary>
    public static void CompareValues(string what, float[] generated, double[] reference, Tolerance tolerance, List<string> problems)
    {
        if (generated.Length != reference.Length)
        {
            problems.Add($"{what}: {generated.Length} values, the reference has {reference.Length}");
            return;
        }
        int bad = 0, first = -1;
        for (int i = 0; i < generated.Length; i++)
        {
            double allowed = tolerance.Values * (1 + Math.Abs(reference[i]));
            if (!(Math.Abs(generated[i] - reference[i]) <= allowed))
            {
                bad++;
                if (first < 0) first = i;
            }
        }
        if (bad > 0)
            problems.Add($"{what}: {bad} of {generated.Length} differ; first at [{first}]: generated {F(generated[first])}, reference {F(reference[first])}, allowed {F(tolerance.Values * (1 + Math.Abs(reference[first])))}");
    }

    /// <summary>Gradients and buffers: <c>|gen - ref| &lt;= Gradients * max|ref| + Floor</c> over the tensor.</summary>
    public static void CompareTensor(string what, float[] generated, double[] reference, Tolerance tolerance, List<string> problems)
    {
        if (generated.Length != reference.Length)
        {
            problems.Add($"{what}: {generated.Length} values, the reference has {reference.Length}");
            return;
        }
        double scale = reference.Length == 0 ? 0 : reference.Max(Math.Abs);
        double allowed = tolerance.Gradients * scale + tolerance.Floor;
        int bad = 0, first = -1;
        for (int i = 0; i < generated.Length; i++)
        {
            if (!(Math.Abs(generated[i] - reference[i]) <= allowed))
            {
                bad++;
                if (first < 0) first = i;
            }
        }
        if (bad > 0)
            problems.Add($"{what}: {bad} of {generated.Length} differ; first at [{first}]: generated {F(generated[first])}, reference {F(reference[first])}, allowed {F(allowed)} (max |ref| {F(scale)})");
    }

    public static void CompareExactlyZero(string what, float[] generated, List<string> problems)
    {
        int first = Array.FindIndex(generated, v => v != 0f);
        if (first >= 0) problems.Add($"{what}: not zero; first at [{first}]: {F(generated[first])}");
    }

    public static string F(double value) => value.ToString("G7", CultureInfo.InvariantCulture);

    /// <summary>All failures as one message, with a header.</summary>
    public static string Report(string header, IReadOnlyList<string> failures, int cases)
    {
        var text = new StringBuilder();
        text.Append(header).Append(": ").Append(failures.Count).Append(" failure(s) in ").Append(cases).AppendLine(" cases.");
        foreach (var failure in failures) text.AppendLine().AppendLine(failure);
        return Shorten(text.ToString(), 60000);
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + "\n... (cut)";
}
