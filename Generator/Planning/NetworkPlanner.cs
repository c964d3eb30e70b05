using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

/// <summary>
/// Stage 2: turns a <see cref="NetworkSpec"/> into a <see cref="NetworkPlan"/>. It names layers, resolves which layer
/// reads which (a graph), infers every shape, lays out the parameter table, decides which layers fuse into one op,
/// attaches the loss, decides how gradients meet where a value has several readers, plans the memory by liveness, and
/// checks every generated name. It is pure: no Roslyn, no I/O, the same spec always gives the same plan.
/// </summary>
/// <remarks>
/// Errors are reported as completely as they can be: every layer's own settings are checked, every name and every
/// reference, and shapes are inferred wherever a layer's inputs are known. Only a check that depends on an earlier
/// failure is skipped (the shapes after a bad layer), so one build shows every independent mistake.
/// </remarks>
internal static partial class NetworkPlanner
{
    /// <summary>The name by which layers read the network's input.</summary>
    public const string InputName = "input";

    public static PlanResult Plan(ParseResult parsed, CancellationToken cancellationToken)
    {
        if (parsed.Spec is null) return new PlanResult(null, parsed.ClassName, parsed.Diagnostics);
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        var plan = new Builder(parsed.Spec, diagnostics, cancellationToken).Build();
        bool failed = diagnostics.Any(d => d.IsError);
        return new PlanResult(failed ? null : plan, parsed.ClassName, diagnostics.ToEquatableArray());
    }

    /// <summary>The mutable state of planning one network.</summary>
    private sealed partial class Builder
    {
        private readonly NetworkSpec _spec;
        private readonly List<DiagnosticInfo> _diagnostics;
        private readonly CancellationToken _cancellationToken;
        private readonly List<PlannedTensor> _tensors = new();
        private readonly List<ValueDraft> _values = new();
        private readonly List<PlannedOp> _ops = new();
        private readonly List<string> _notes = new();
        private PlannedLayer?[] _layers = Array.Empty<PlannedLayer?>();
        private int _parameterCount;
        private int _bufferCount;
        private (string Name, string Identifier)[] _names = Array.Empty<(string, string)>();

        public Builder(NetworkSpec spec, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            _spec = spec;
            _diagnostics = diagnostics;
            _cancellationToken = cancellationToken;
        }

        private IReadOnlyList<LayerSpec> Specs => _spec.Layers;

        public NetworkPlan? Build()
        {
            bool lossKnown = Enum.IsDefined(typeof(LossKind), _spec.Loss);
            if (!lossKnown)
                Report(DiagnosticDescriptors.UnknownEnumValue, _spec.NetworkLocation, "Network", _spec.ClassName, $"Loss = {(int)_spec.Loss}", "Loss");
            var input = PlanInput();
            if (Specs.Count == 0)
            {
                Report(DiagnosticDescriptors.NoLayers, _spec.NetworkLocation, _spec.ClassName);
                return null;
            }
            _layers = new PlannedLayer?[Specs.Count];

            // Every check that depends on nothing else runs for every layer: names, each layer's own settings, and
            // which layers each one reads.
            var names = AssignNames();
            _names = names;
            bool[] valid = Specs.Select((layer, i) => Validate(layer, names[i].Name)).ToArray();
            var graph = ResolveGraph(names);

            // Shapes and ops, in source order (a topological order, since layers read only earlier ones). A layer
            // whose inputs failed is skipped without a message: its shapes would only repeat the first mistake.
            var nodes = new Node?[Specs.Count];
            for (int i = 0; i < Specs.Count; i++)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (!valid[i] || input is null || graph.Inputs[i] is not { } reads) continue;
                var inputs = new Node[reads.Length];
                bool known = true;
                for (int k = 0; k < reads.Length && known; k++)
                {
                    var node = reads[k] < 0 ? input : nodes[reads[k]];
                    if (node is null) known = false;
                    else inputs[k] = node;
                }
                if (known) nodes[i] = PlanLayer(i, names[i].Name, names[i].Identifier, inputs, graph);
            }
            if (_diagnostics.Any(d => d.IsError) || !lossKnown) return null;

            var output = nodes[Specs.Count - 1]!;
            // Only Flatten layers: the output is the input itself, so copy it into a value of its own.
            if (output.Value < 0) output = AppendActivation(Specs.Count - 1, "Identity", output.Producer, output, ActivationKind.None, 0f);

            ReportUnusedLayers(graph, names);
            int outputValue = KeepLiveOps(output.Value);
            var loss = PlanLoss(output, ref outputValue);
            if (loss is null) return null;
            MarkGradientWriters(loss);

            var (values, arenaSize, unsharedSize) = PlanMemory(outputValue, loss);
            var arrays = PlanArrays(values);
            if (!CheckTotals(arenaSize, arrays)) return null;

            var plan = new NetworkPlan(
                _spec.Namespace, _spec.ClassName, _spec.Keyword, _spec.ContainingTypes,
                InputShape: new Shape(_spec.InputShape),
                OutputShape: output.Shape,
                Layers: _layers.Select(l => l!).ToEquatableArray(),
                Tensors: _tensors.ToEquatableArray(),
                ParameterCount: _parameterCount,
                BufferCount: _bufferCount,
                Values: values,
                Ops: _ops.ToEquatableArray(),
                OutputValue: outputValue,
                Loss: loss,
                Arrays: arrays,
                ArenaSize: arenaSize,
                UnsharedSize: unsharedSize,
                ForwardFlops: _ops.Sum(op => op.ForwardFlops),
                TrainingFlops: TrainingFlops(loss),
                Notes: _notes.ToEquatableArray());

            // The names of every member the emitters write are checked here, where the layers' and the user's
            // locations are known, so that the plan itself stays free of locations.
            return CheckMemberNames(plan) ? plan : null;
        }

        /// <summary>What a layer reads and produces while the graph is walked: a value (or -1, the input) and its shape.</summary>
        /// <param name="Producer">The name of the layer it is the output of, for messages.</param>
        /// <param name="Op">The op that writes the value, or -1 for the network's input.</param>
        /// <param name="Chain">The layers whose output this value is: its op's layer, then any Flatten views of it.</param>
        private sealed record Node(int Value, Shape Shape, string Producer, int Op, EquatableArray<int> Chain);

        /// <summary>A value while the plan is built; it becomes a <see cref="PlannedValue"/> once liveness is known.</summary>
        private sealed class ValueDraft
        {
            public ValueDraft(string identifier, Shape shape, string producer)
            {
                Identifier = identifier;
                Shape = shape;
                Producer = producer;
            }

            public string Identifier { get; }
            public Shape Shape { get; }

            /// <summary>The layer the value is the output of: the last layer fused into its op, so comments use the name readers use.</summary>
            public string Producer { get; set; }
        }

        private Node? PlanInput()
        {
            var dims = _spec.InputShape;
            if (dims.Count is < 1 or > 3)
            {
                Report(DiagnosticDescriptors.InputRank, _spec.InputLocation, dims.Count);
                return null;
            }
            for (int d = 0; d < dims.Count; d++)
            {
                if (dims[d] <= 0)
                {
                    Report(DiagnosticDescriptors.NonPositiveSize, _spec.InputLocation, "Input", InputName, $"size {d + 1}", dims[d]);
                    return null;
                }
            }
            var shape = new Shape(dims);
            if (!CheckSize(_spec.InputLocation, "Input", InputName, "one sample", shape.LongSize)) return null;
            return new Node(-1, shape, InputName, -1, EquatableArray<int>.Empty);
        }

        /// <summary>Gives unnamed layers PyTorch-style names (<c>dense1</c>, <c>conv2</c>, ...) and checks every name.</summary>
        private (string Name, string Identifier)[] AssignNames()
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var result = new (string Name, string Identifier)[Specs.Count];
            var seenNames = new HashSet<string>(StringComparer.Ordinal);
            var seenIdentifiers = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < Specs.Count; i++)
            {
                var layer = Specs[i];
                counts.TryGetValue(layer.NamePrefix, out int count);
                counts[layer.NamePrefix] = ++count;
                string name = layer.Name ?? layer.NamePrefix + count.ToString(CultureInfo.InvariantCulture);
                if (!IsValidName(name))
                {
                    Report(DiagnosticDescriptors.InvalidLayerName, layer.Location, name);
                    // A placeholder keeps the later checks going; the error already stops generation.
                    result[i] = (name, "Layer" + i.ToString(CultureInfo.InvariantCulture));
                    continue;
                }
                string identifier = ToIdentifier(name);
                if (name == InputName)
                    Report(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name, "the name 'input' is reserved for the network's input");
                else if (!seenNames.Add(name))
                    Report(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name, "an earlier layer has the same name");
                else if (seenIdentifiers.TryGetValue(identifier, out string? other))
                    Report(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name, $"it gives the same C# identifier '{identifier}' as layer '{other}'");
                else
                    seenIdentifiers[identifier] = name;
                result[i] = (name, identifier);
            }
            return result;
        }

        private static bool IsValidName(string name)
        {
            if (name.Length == 0 || name[0] == '.' || name[name.Length - 1] == '.' || name.Contains("..")) return false;
            foreach (char c in name)
            {
                bool ascii = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '.';
                if (!ascii) return false;
            }
            return true;
        }

        /// <summary><c>dense1</c> → <c>Dense1</c>, <c>features.0</c> → <c>Features_0</c>, <c>0</c> → <c>Layer0</c>.</summary>
        private static string ToIdentifier(string name)
        {
            var text = new StringBuilder(name.Length + 5);
            bool upper = true;
            foreach (char c in name)
            {
                if (c == '.')
                {
                    text.Append('_');
                    upper = true;
                    continue;
                }
                text.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            if (char.IsDigit(text[0])) text.Insert(0, "Layer");
            return text.ToString();
        }

        private void Report(DiagnosticDefinition descriptor, LocationInfo? location, params object[] arguments) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

        /// <summary>Records an Info diagnostic and repeats its message in the generated remarks.</summary>
        private void Note(DiagnosticDefinition descriptor, LocationInfo? location, params object[] arguments)
        {
            var info = DiagnosticInfo.Create(descriptor, location, arguments);
            _diagnostics.Add(info);
            _notes.Add(info.Descriptor.Id + ": " + info.Message + ".");
        }

        private int AddValue(string identifier, Shape shape, string producer)
        {
            _values.Add(new ValueDraft(identifier, shape, producer));
            return _values.Count - 1;
        }

        private int AddTensor(string layerName, string identifier, string suffix, string identifierSuffix, int layerIndex, int[] dims,
            TensorStorage storage, InitKind init, string layerKind, bool isBias, int fanIn, int fanOut)
        {
            // Callers have checked that each tensor's element count fits an int (CheckSize); totals are checked at the end.
            int length = (int)dims.Aggregate(1L, (a, b) => a * b);
            int offset = storage == TensorStorage.Parameter ? _parameterCount : _bufferCount;
            if (storage == TensorStorage.Parameter) _parameterCount += length;
            else _bufferCount += length;
            string name = layerName + "." + suffix;
            _tensors.Add(new PlannedTensor(name, identifier + identifierSuffix, layerIndex, new EquatableArray<int>(dims),
                length, offset, storage, init, layerKind, isBias, fanIn, fanOut, Fnv1a(name)));
            return _tensors.Count - 1;
        }

        private void AddLayer(int index, string name, string identifier, string kind, string description, Shape output, int parameterCount, Node[] inputs,
            LayerSettings? settings = null) =>
            _layers[index] = new PlannedLayer(name, identifier, kind, description, output, parameterCount,
                inputs.Select(n => n.Producer).ToEquatableArray(), settings ?? LayerSettings.None);

        /// <summary>Adds an op and returns the node of its output.</summary>
        private Node AddOp(PlannedOp op, string producer, int layer)
        {
            _ops.Add(op);
            return new Node(op.Output, op.OutputShape, producer, _ops.Count - 1, EquatableArray.Create(layer));
        }

        /// <summary>FNV-1a (64-bit) of a name: a stable random stream per tensor or dropout layer.</summary>
        private static ulong Fnv1a(string name)
        {
            ulong hash = 14695981039346656037UL;
            foreach (char c in name)
            {
                hash ^= c;
                hash *= 1099511628211UL;
            }
            return hash;
        }

        /// <summary>Reports a count that does not fit an array index (int), so that no generated constant wraps around.</summary>
        private bool CheckSize(LocationInfo? location, string kind, string name, string what, long count)
        {
            if (count <= int.MaxValue) return true;
            Report(DiagnosticDescriptors.TooLarge, location, kind, name, what, count.ToString("N0", CultureInfo.InvariantCulture),
                int.MaxValue.ToString("N0", CultureInfo.InvariantCulture));
            return false;
        }

        /// <summary>
        /// The whole-network counts: all parameters, all buffers, the arena and the largest work array at the default
        /// batch capacity (the parameterless constructor allocates them).
        /// </summary>
        private bool CheckTotals(long arenaSize, EquatableArray<PlannedArray> arrays)
        {
            var location = _spec.NetworkLocation;
            long parameters = 0, buffers = 0;
            foreach (var tensor in _tensors)
            {
                if (tensor.Storage == TensorStorage.Parameter) parameters += tensor.Length;
                else buffers += tensor.Length;
            }
            long largest = arrays.Count == 0 ? 0 : arrays.Max(a => (long)a.PerSample);
            int capacity = GeneratedNames.DefaultMaxBatchSizeValue;
            return CheckSize(location, "Network", _spec.ClassName, "the parameters", parameters)
                && CheckSize(location, "Network", _spec.ClassName, "the buffers", buffers)
                && CheckSize(location, "Network", _spec.ClassName, $"the activation arena for a batch of {capacity}", arenaSize * capacity)
                && CheckSize(location, "Network", _spec.ClassName, $"the largest work buffer for a batch of {capacity}", largest * capacity);
        }

        /// <summary>
        /// FLOPs of one training step per sample: the forward products, each weight gradient's product, and each input
        /// gradient's product where the input is a value (the network input needs none unless asked for).
        /// </summary>
        private long TrainingFlops(LossPlan loss)
        {
            if (loss.Kind == LossKind.None) return 0;
            long total = 0;
            foreach (var op in _ops)
            {
                total += op.ForwardFlops;
                if (op.ParameterLayer >= 0) total += op.ForwardFlops;
                if (op.Inputs.Any(input => input.Value >= 0)) total += op.ForwardFlops;
            }
            return total;
        }
    }
}
