using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Myelin.Generator.Tests.Infrastructure;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// The tolerances of float (generated) against double (reference) results.
/// Outputs and the loss: <c>|gen - ref| &lt;= Values * (1 + |ref|)</c>.
/// Gradients and buffers: <c>|gen - ref| &lt;= Gradients * max|ref over the tensor| + Floor</c>, so that an element is
/// judged against the scale of its own tensor (float sums lose absolute, not relative, precision). Parameter gradients
/// also get <c>Cancellation * scale</c>, where the scale is the largest sum of absolute terms one of the tensor's
/// elements adds up (<see cref="RefPass.GradientScales"/>): a float sum is only accurate to a few ulps of that, which
/// matters where the terms cancel, as for a bias under a training-mode batch norm, whose true gradient is zero. 1e-5 is
/// about 80 float ulps; a missing or wrong term would be off by about the size of a term, far more.
/// </summary>
internal sealed record Tolerance(double Values = 1e-4, double Gradients = 1e-3, double Floor = 1e-6, double Cancellation = 1e-5)
{
    public static readonly Tolerance Default = new();
}

/// <summary>
/// One case of the generated-versus-reference comparison: a network, its data seed, batch and mode, and whether the
/// step also asks for dLoss/dinputs (the <c>ForwardBackward</c> overload with an input-gradient span). The network is
/// created with room for <see cref="Capacity"/> samples and grown to the batch first when that is smaller.
/// </summary>
internal sealed record ComparisonCase(RefNetwork Network, int Seed, int Batch, bool Training, bool InputGradient = false,
    int Capacity = GeneratedComparison.Capacity)
{
    public string Describe() =>
        $"seed {Seed}, batch {Batch}, {(Training ? "training" : "eval")} mode{(InputGradient ? ", with the input gradient" : "")}, network:\n{Network.ToDeclaration()}";
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
    /// double the cost, which dominates these tests. Fails on any warning or error, listing the generated code, except
    /// the warnings whose IDs <paramref name="allowedWarnings"/> lists (MYL0102 for networks with a layer nothing reads).
    /// </summary>
    public static Assembly CompileAndLoad(string source, IReadOnlyCollection<string>? allowedWarnings = null)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source), Driver);
        using var stream = new MemoryStream();
        var emitted = run.Output.Emit(stream);
        var problems = run.GeneratorDiagnostics.Concat(emitted.Diagnostics)
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && allowedWarnings?.Contains(d.Id) != true))
            .Distinct().ToList();
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
    /// The generator driver of these tests. It parses the generated code without its documentation comments: in the
    /// default mode (Parse) they are parsed but never diagnosed, so skipping them loses no warning and saves about a
    /// quarter of the compile time. The snapshot and documentation tests still see every comment.
    /// </summary>
    private static GeneratorDriver Driver => CSharpGeneratorDriver.Create(
        new[] { new NetworkGenerator().AsSourceGenerator() },
        parseOptions: GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.None),
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    /// <summary>
    /// Compiles all networks in one compilation (much faster than one each). If that fails, compiles them one by one
    /// so that only the networks the generator gets wrong fail, each with its own error.
    /// </summary>
    public static Dictionary<string, Func<Assembly>> CompileAll(string ns, IReadOnlyList<RefNetwork> networks, List<string> failures,
        IReadOnlyCollection<string>? allowedWarnings = null)
    {
        var result = new Dictionary<string, Func<Assembly>>(StringComparer.Ordinal);
        try
        {
            var assembly = CompileAndLoad(RefNetwork.ToSource(ns, networks), allowedWarnings);
            foreach (var network in networks) result[network.ClassName] = () => assembly;
            return result;
        }
        catch (InvalidOperationException)
        {
            foreach (var network in networks)
            {
                try
                {
                    var single = CompileAndLoad(network.ToSource(ns), allowedWarnings);
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
    public static ITrainableNetwork Create(Assembly assembly, string ns, RefNetwork network, int seed = 1, int capacity = Capacity) =>
        GeneratorHarness.CreateTrainable(assembly, ns + "." + network.ClassName, seed, capacity);

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

    /// <summary>Calls the ForwardBackward overload that fits the targets and writes dLoss/dinputs into <paramref name="inputGradient"/>.</summary>
    public static float ForwardBackward(ITrainableNetwork network, float[] inputs, (int[]? Labels, float[]? Values) targets, int batch, float[] inputGradient) =>
        targets.Labels is not null
            ? network.ForwardBackward(inputs, targets.Labels, batch, inputGradient)
            : network.ForwardBackward(inputs, targets.Values!, batch, inputGradient);

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
        var generated = Create(assembly, ns, c.Network, capacity: c.Capacity);
        generated.EnsureBatchCapacity(c.Batch);
        int before = failures.Count;
        CheckShapes(generated, c, failures);
        if (failures.Count > before) return null;

        Randomize(generated, random);
        prepare?.Invoke(generated);
        var inputs = Inputs(random, c.Batch * c.Network.InputSize);
        var targets = Targets(random, c.Network, c.Batch);
        var tensors = RefTensors.CopyFrom(generated, c.Network);

        generated.IsTraining = c.Training;
        // NaN first, so that an element the network forgets to write cannot pass as a stale right value.
        var inputGradient = c.InputGradient ? Enumerable.Repeat(float.NaN, c.Batch * c.Network.InputSize).ToArray() : null;
        float loss = inputGradient is null
            ? ForwardBackward(generated, inputs, targets, c.Batch)
            : ForwardBackward(generated, inputs, targets, c.Batch, inputGradient);
        var reference = ReferenceInterpreter.Run(c.Network, tensors, ToDouble(inputs), c.Batch, ToReference(targets), c.Training, backward: true,
            DropoutMasks(generated, c.Network, c.Batch));

        var problems = new List<string>();
        CompareValues("outputs", generated.Outputs.ToArray(), reference.Outputs, tolerance, problems);
        CompareValues("loss", new[] { loss }, new[] { reference.Loss }, tolerance, problems);
        if (inputGradient is not null) CompareTensor("input gradient", inputGradient, reference.InputGradient!, tolerance, problems);
        foreach (var tensor in generated.Tensors)
        {
            if (tensor.Kind == TensorKind.Parameter)
            {
                var gradient = generated.Gradients.Slice(tensor.Offset, tensor.Length).ToArray();
                if (isFrozen is not null && isFrozen(generated, tensor.Name))
                    CompareExactlyZero("gradient of frozen " + tensor.Name, gradient, problems);
                else
                    CompareTensor("gradient of " + tensor.Name, gradient, reference.Gradients[tensor.Name], tolerance, problems,
                        reference.GradientScales.GetValueOrDefault(tensor.Name));
            }
            else
            {
                var buffer = generated.Buffers.Slice(tensor.Offset, tensor.Length).ToArray();
                CompareTensor(tensor.Name + " after the step", buffer, reference.TensorsAfter[tensor.Name], tolerance, problems);
            }
        }

        // ComputeLoss and Forward must agree with the reference too. They come last because in training mode they
        // update the running statistics once more (the loss and outputs use batch statistics, so they do not change)
        // and draw new dropout masks, which the reference then reads from the network again.
        var gradients = generated.Gradients.ToArray();
        float computed = ComputeLoss(generated, inputs, targets, c.Batch);
        var again = Rerun(generated, c, tensors, inputs, targets, reference);
        CompareValues("ComputeLoss", new[] { computed }, new[] { again.Loss }, tolerance, problems);
        CompareValues("outputs after ComputeLoss", generated.Outputs.ToArray(), again.Outputs, tolerance, problems);
        if (!generated.Gradients.SequenceEqual(gradients)) problems.Add("ComputeLoss changed the gradients");
        var outputs = new float[c.Batch * c.Network.OutputSize];
        generated.Forward(inputs, outputs, c.Batch);
        CompareValues("Forward", outputs, Rerun(generated, c, tensors, inputs, targets, reference).Outputs, tolerance, problems);

        if (problems.Count > 0)
            failures.Add($"{c.Network.ClassName} ({c.Describe()}):\n  " + string.Join("\n  ", problems));
        return reference;
    }

    /// <summary>
    /// The reference pass for the network's latest forward pass: <paramref name="first"/> itself unless the network
    /// drew new dropout masks (training mode), in which case a forward pass with those masks.
    /// </summary>
    private static RefPass Rerun(ITrainableNetwork generated, ComparisonCase c, RefTensors tensors, float[] inputs,
        (int[]? Labels, float[]? Values) targets, RefPass first)
    {
        var masks = DropoutMasks(generated, c.Network, c.Batch);
        if (masks is null || masks.Count == 0) return first;
        return ReferenceInterpreter.Run(c.Network, tensors, ToDouble(inputs), c.Batch, ToReference(targets), c.Training, backward: false, masks);
    }

    /// <summary>
    /// The masks the generated network drew in its last training-mode forward pass, by layer name, for every dropout
    /// layer that ran and dropped something (rate above 0); null in eval mode. They are read from the network's private
    /// mask arrays (<see cref="Model.GeneratedNames.MaskField"/>), so that the reference runs the very same dropout
    /// wherever the layer sits in the graph; a mask the network did not apply shows up as a mismatch in the outputs.
    /// </summary>
    public static Dictionary<string, double[]>? DropoutMasks(INetwork generated, RefNetwork network, int batch)
    {
        if (!generated.IsTraining) return null;
        var masks = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var names = network.LayerNames;
        var shapes = network.LayerShapes;
        var live = network.LiveLayers;
        var type = generated.GetType();
        for (int i = 0; i < network.Layers.Count; i++)
        {
            if (network.Layers[i] is not RefDropout { Rate: > 0f } || !live[i]) continue;
            string identifier = Identifier(names[i]);
            const System.Reflection.BindingFlags Private = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic;
            var field = type.GetField(Model.GeneratedNames.MaskField(identifier), Private)
                ?? throw new InvalidOperationException($"{type.Name} has no mask field for '{names[i]}'.");
            var values = (float[])field.GetValue(generated)!;
            int count = batch * shapes[i].Aggregate(1, (a, b) => a * b);
            masks[names[i]] = values.Take(count).Select(v => (double)v).ToArray();
        }
        return masks;
    }

    /// <summary>The generator's identifier stem of a layer name made of letters, digits and '_': <c>dropout2</c> → <c>Dropout2</c>.</summary>
    private static string Identifier(string name) => char.ToUpperInvariant(name[0]) + name[1..];

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

    /// <summary>
    /// Gradients and buffers: <c>|gen - ref| &lt;= Gradients * max|ref| + Floor + Cancellation * scale</c> over the tensor,
    /// where <paramref name="scale"/> is the gradient's <see cref="RefPass.GradientScales"/> entry (0 for buffers).
    /// </summary>
    public static void CompareTensor(string what, float[] generated, double[] reference, Tolerance tolerance, List<string> problems, double scale = 0)
    {
        if (generated.Length != reference.Length)
        {
            problems.Add($"{what}: {generated.Length} values, the reference has {reference.Length}");
            return;
        }
        double largest = reference.Length == 0 ? 0 : reference.Max(Math.Abs);
        double allowed = tolerance.Gradients * largest + tolerance.Floor + tolerance.Cancellation * scale;
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
            problems.Add($"{what}: {bad} of {generated.Length} differ; first at [{first}]: generated {F(generated[first])}, reference {F(reference[first])}, allowed {F(allowed)} (max |ref| {F(largest)}{(scale > 0 ? $", sum of |terms| {F(scale)}" : "")})");
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
