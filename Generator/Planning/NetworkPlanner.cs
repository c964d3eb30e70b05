using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

/// <summary>
/// Stage 2: turns a <see cref="NetworkSpec"/> into a <see cref="NetworkPlan"/>. It names layers, infers every shape,
/// lays out the parameter table, decides which layers fuse into one op, and attaches the loss. It is pure: no Roslyn
/// symbols, no I/O, the same spec always gives the same plan.
/// </summary>
internal static partial class NetworkPlanner
{
    public static PlanResult Plan(ParseResult parsed, CancellationToken cancellationToken)
    {
        if (parsed.Spec is null) return new PlanResult(null, parsed.ClassName, parsed.Diagnostics);
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        var plan = new Builder(parsed.Spec, diagnostics, cancellationToken).Build();
        bool failed = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        return new PlanResult(failed ? null : plan, parsed.ClassName, diagnostics.ToEquatableArray());
    }

    /// <summary>The mutable state of planning one network; <see cref="Build"/> walks the layers once, in order.</summary>
    private sealed partial class Builder
    {
        private readonly NetworkSpec _spec;
        private readonly List<DiagnosticInfo> _diagnostics;
        private readonly CancellationToken _cancellationToken;
        private readonly List<PlannedLayer> _layers = new();
        private readonly List<PlannedTensor> _tensors = new();
        private readonly List<PlannedBuffer> _buffers = new();
        private readonly List<PlannedOp> _ops = new();
        private readonly List<string> _notes = new();
        private int _parameterCount;
        private int _bufferCount;

        // The running state of the walk: the current shape, which buffer holds it (-1: the network input), which
        // layer produced it, and whether the last op can still take an element-wise activation into its epilogue.
        private Shape _shape = Shape.Vector(1);
        private int _buffer = -1;
        private string _producer = "input";
        private bool _canFuseActivation;

        public Builder(NetworkSpec spec, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            _spec = spec;
            _diagnostics = diagnostics;
            _cancellationToken = cancellationToken;
        }

        public NetworkPlan? Build()
        {
            if (!Enum.IsDefined(typeof(LossKind), _spec.Loss))
            {
                Report(DiagnosticDescriptors.UnknownEnumValue, _spec.NetworkLocation, "Network", _spec.ClassName, $"Loss = {(int)_spec.Loss}", "Loss");
                return null;
            }
            if (!PlanInput()) return null;
            if (_spec.Layers.Count == 0)
            {
                Report(DiagnosticDescriptors.NoLayers, _spec.NetworkLocation, _spec.ClassName);
                return null;
            }

            var names = AssignNames();
            if (names is null) return null;

            for (int i = 0; i < _spec.Layers.Count; i++)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                // Stop at the first layer that does not fit: later shapes would only repeat the same mistake.
                if (!PlanLayer(i, _spec.Layers[i], names[i].Name, names[i].Identifier)) return null;
            }

            // Only Flatten layers: the output is the input itself, so copy it into an output buffer of its own.
            if (_buffer < 0) AppendActivation(_spec.Layers.Count - 1, "Identity", _producer, ActivationKind.None, 0f);

            var loss = PlanLoss();
            if (loss is null) return null;

            if (!CheckTotals()) return null;

            var plan = new NetworkPlan(
                _spec.Namespace, _spec.ClassName, _spec.Keyword, _spec.ContainingTypes,
                InputShape: new Shape(_spec.InputShape),
                OutputShape: _shape,
                Layers: _layers.ToEquatableArray(),
                Tensors: _tensors.ToEquatableArray(),
                ParameterCount: _parameterCount,
                BufferCount: _bufferCount,
                Buffers: _buffers.ToEquatableArray(),
                Ops: _ops.ToEquatableArray(),
                OutputBuffer: _buffer,
                Loss: loss,
                Notes: _notes.ToEquatableArray());

            // The names of the members the CPU emitter will write are checked here, where the layers' locations are
            // known, so that the plan itself stays free of locations (moving a declaration must not re-emit it).
            var collisions = Emitting.Cpu.CpuEmitter.FindNameCollisions(plan, _spec.ClassLocation, _spec.Layers.Select(l => l.Location).ToArray());
            _diagnostics.AddRange(collisions);
            return collisions.Count == 0 ? plan : null;
        }

        private bool PlanInput()
        {
            var dims = _spec.InputShape;
            if (dims.Count is < 1 or > 3)
            {
                Report(DiagnosticDescriptors.InputRank, _spec.InputLocation, dims.Count);
                return false;
            }
            for (int d = 0; d < dims.Count; d++)
            {
                if (dims[d] <= 0)
                {
                    Report(DiagnosticDescriptors.NonPositiveSize, _spec.InputLocation, "Input", "input", $"size {d + 1}", dims[d]);
                    return false;
                }
            }
            _shape = new Shape(dims);
            return CheckSize(_spec.InputLocation, "Input", "input", "one sample", _shape.LongSize);
        }

        /// <summary>Gives unnamed layers PyTorch-style names (<c>dense1</c>, <c>conv2</c>, ...) and checks every name.</summary>
        private (string Name, string Identifier)[]? AssignNames()
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var result = new (string Name, string Identifier)[_spec.Layers.Count];
            var seenNames = new HashSet<string>(StringComparer.Ordinal);
            var seenIdentifiers = new Dictionary<string, string>(StringComparer.Ordinal);
            bool ok = true;
            for (int i = 0; i < _spec.Layers.Count; i++)
            {
                var layer = _spec.Layers[i];
                counts.TryGetValue(layer.NamePrefix, out int count);
                counts[layer.NamePrefix] = ++count;
                string name = layer.Name ?? layer.NamePrefix + count;
                if (!IsValidName(name))
                {
                    Report(DiagnosticDescriptors.InvalidLayerName, layer.Location, name);
                    ok = false;
                    continue;
                }
                string identifier = ToIdentifier(name);
                if (!seenNames.Add(name))
                {
                    Report(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name, "an earlier layer has the same name");
                    ok = false;
                }
                else if (seenIdentifiers.TryGetValue(identifier, out string? other))
                {
                    Report(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name, $"it gives the same C# identifier '{identifier}' as layer '{other}'");
                    ok = false;
                }
                else
                {
                    seenIdentifiers[identifier] = name;
                }
                result[i] = (name, identifier);
            }
            return ok ? result : null;
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

        private bool PlanLayer(int index, LayerSpec layer, string name, string identifier) => layer switch
        {
            DenseSpec dense => PlanDense(index, dense, name, identifier),
            FlattenSpec => PlanFlatten(name),
            ActivationSpec activation => PlanActivation(index, activation, name, identifier),
            Conv2DSpec conv => PlanConv2D(index, conv, name, identifier),
            PoolSpec pool => PlanPool(index, pool, name, identifier),
            DropoutSpec dropout => PlanDropout(index, dropout, name, identifier),
            BatchNormSpec norm => PlanBatchNorm(index, norm, name, identifier),
            _ => throw new InvalidOperationException("No planner for layer kind " + layer.Kind),
        };

        private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

        /// <summary>Records an Info diagnostic and repeats its message in the generated remarks.</summary>
        private void Note(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments)
        {
            var info = DiagnosticInfo.Create(descriptor, location, arguments);
            _diagnostics.Add(info);
            _notes.Add(info.Descriptor.Id + ": " + string.Format(System.Globalization.CultureInfo.InvariantCulture, descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), info.Arguments.ToArray()) + ".");
        }

        private int AddBuffer(string identifier, Shape shape, string producer)
        {
            _buffers.Add(new PlannedBuffer(identifier, shape, producer));
            return _buffers.Count - 1;
        }

        private int AddTensor(string layerName, string identifier, string suffix, string identifierSuffix, int layerIndex, int[] dims,
            TensorStorage storage, InitKind init, string layerKind, bool isBias, int fanIn, int fanOut)
        {
            // Callers have checked that each tensor's element count fits an int (CheckTensor); totals are checked at the end.
            int length = (int)dims.Aggregate(1L, (a, b) => a * b);
            int offset = storage == TensorStorage.Parameter ? _parameterCount : _bufferCount;
            if (storage == TensorStorage.Parameter) _parameterCount += length;
            else _bufferCount += length;
            _tensors.Add(new PlannedTensor(layerName + "." + suffix, identifier + identifierSuffix, layerIndex, new EquatableArray<int>(dims),
                length, offset, storage, init, layerKind, isBias, fanIn, fanOut));
            return _tensors.Count - 1;
        }

        private void AddLayer(string name, string identifier, string kind, string description, int parameterCount) =>
            _layers.Add(new PlannedLayer(name, identifier, kind, description, _shape, parameterCount));

        /// <summary>Reports a count that does not fit an array index (int), so that no generated constant wraps around.</summary>
        private bool CheckSize(LocationInfo? location, string kind, string name, string what, long count)
        {
            if (count <= int.MaxValue) return true;
            Report(DiagnosticDescriptors.TooLarge, location, kind, name, what, count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                int.MaxValue.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            return false;
        }

        /// <summary>
        /// The whole-network counts: all parameters, all buffers, and the largest work buffer at the default batch
        /// capacity (the parameterless constructor allocates it).
        /// </summary>
        private bool CheckTotals()
        {
            var location = _spec.NetworkLocation;
            long parameters = 0, buffers = 0;
            foreach (var tensor in _tensors)
            {
                if (tensor.Storage == TensorStorage.Parameter) parameters += tensor.Length;
                else buffers += tensor.Length;
            }
            long largest = 0;
            foreach (var buffer in _buffers) largest = Math.Max(largest, buffer.Shape.LongSize);
            foreach (var op in _ops)
            {
                if (op is Conv2DOp conv)
                    largest = Math.Max(largest, (long)conv.InputShape.Channels * conv.KernelSize * conv.KernelSize * conv.OutputShape.Height * conv.OutputShape.Width);
            }
            return CheckSize(location, "Network", _spec.ClassName, "the parameters", parameters)
                && CheckSize(location, "Network", _spec.ClassName, "the buffers", buffers)
                && CheckSize(location, "Network", _spec.ClassName, $"the largest work buffer for a batch of {Emitting.GeneratedNames.DefaultMaxBatchSizeValue}", largest * Emitting.GeneratedNames.DefaultMaxBatchSizeValue);
        }

        /// <summary>Moves the walk on to a new op's output.</summary>
        private void Advance(PlannedOp op, string producer, bool canFuseActivation)
        {
            _ops.Add(op);
            _buffer = op.Output;
            _shape = op.OutputShape;
            _producer = producer;
            _canFuseActivation = canFuseActivation;
        }

        private bool CheckPositive(LayerSpec layer, string name, string what, int value)
        {
            if (value > 0) return true;
            Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Kind, name, what, value);
            return false;
        }

        private bool CheckActivation(LayerSpec layer, string name, ActivationKind activation, float negativeSlope)
        {
            if (!Enum.IsDefined(typeof(ActivationKind), activation))
            {
                Report(DiagnosticDescriptors.UnknownEnumValue, layer.Location, layer.Kind, name, $"activation {(int)activation}", "Activation");
                return false;
            }
            if (activation == ActivationKind.LeakyReLU && !(negativeSlope >= 0f && !float.IsInfinity(negativeSlope)))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, layer.Location, layer.Kind, name, "NegativeSlope", "a finite number >= 0", negativeSlope);
                return false;
            }
            return true;
        }

        private bool CheckInit(LayerSpec layer, string name, string what, InitKind init)
        {
            if (Enum.IsDefined(typeof(InitKind), init)) return true;
            Report(DiagnosticDescriptors.UnknownEnumValue, layer.Location, layer.Kind, name, $"{what} = {(int)init}", "Init");
            return false;
        }

        private bool RequireVector(LayerSpec layer, string name)
        {
            if (_shape.IsVector) return true;
            Report(DiagnosticDescriptors.NeedsFlatInput, layer.Location, layer.Kind, name, _producer, _shape);
            return false;
        }

        private bool RequireImage(LayerSpec layer, string name)
        {
            if (_shape.IsImage) return true;
            Report(DiagnosticDescriptors.NeedsImageInput, layer.Location, layer.Kind, name, _producer, _shape);
            return false;
        }

        private static string ActivationSuffix(ActivationKind activation) =>
            activation == ActivationKind.None ? "" : ", " + activation;
    }
}
