using System;
using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Model;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    // Memory: every value and every value's gradient lives in one arena, placed by liveness so that buffers whose
    // lifetimes do not overlap share floats; and the ops' own arrays.
    private sealed partial class Builder
    {
        /// <summary>
        /// Places every value and gradient in the arena. Time runs over the forward ops (op k at step k), the loss (step
        /// n) and the backward ops in reverse (op k at step 2n - k). A value lives from its op's forward step to its last
        /// reader: a forward reader, the loss, or a backward pass that reads it (a dense layer's input for its weight
        /// gradient, an op's output to differentiate its activation); the network's output lives to the end. A gradient
        /// lives from its first writer (the loss, or the last reader's backward) to its producer's backward. Buffers are
        /// placed largest first at the lowest offset free over their whole lifetime.
        /// </summary>
        /// <returns>The values, the arena's floats per sample, and what one buffer per value and gradient would take.</returns>
        private (EquatableArray<PlannedValue> Values, int ArenaSize, int UnsharedSize) PlanMemory(int outputValue, LossPlan loss)
        {
            int n = _ops.Count;
            int end = 2 * n + 1;
            bool trainable = loss.Kind != LossKind.None;
            var consumers = _values.Select(_ => new List<int>()).ToArray();
            var producer = new int[_values.Count];
            for (int i = 0; i < n; i++)
            {
                producer[_ops[i].Output] = i;
                foreach (var input in _ops[i].Inputs)
                {
                    if (input.Value >= 0) consumers[input.Value].Add(i);
                }
            }
            bool Backward(int op) => trainable && _ops[op] is not ActivationOp { AbsorbedByLoss: true };

            var requests = new List<Request>();
            for (int v = 0; v < _values.Count; v++)
            {
                int p = producer[v];
                int last = p;
                foreach (int c in consumers[v])
                {
                    last = Math.Max(last, c);
                    if (Backward(c) && _ops[c].BackwardReadsInputs) last = Math.Max(last, 2 * n - c);
                }
                if (Backward(p) && _ops[p].BackwardReadsOutput) last = Math.Max(last, 2 * n - p);
                if (trainable && v == loss.GradientValue) last = Math.Max(last, n);
                if (v == outputValue) last = end;
                requests.Add(new Request(v, Gradient: false, _values[v].Shape.Size, p, last));

                if (!trainable) continue;
                int first = int.MaxValue;
                if (v == loss.GradientValue) first = n;
                foreach (int c in consumers[v])
                {
                    if (Backward(c)) first = Math.Min(first, 2 * n - c);
                }
                if (first != int.MaxValue && Backward(p)) requests.Add(new Request(v, Gradient: true, _values[v].Shape.Size, first, 2 * n - p));
            }

            var offsets = Place(requests);
            var values = new PlannedValue[_values.Count];
            for (int v = 0; v < values.Length; v++)
            {
                var draft = _values[v];
                values[v] = new PlannedValue(draft.Identifier, draft.Shape, draft.Producer, producer[v], consumers[v].ToEquatableArray(),
                    offsets[(v, false)], offsets.TryGetValue((v, true), out int gradient) ? gradient : -1);
            }
            int arena = requests.Count == 0 ? 0 : requests.Max(r => offsets[(r.Value, r.Gradient)] + r.Size);
            return (values.ToEquatableArray(), arena, requests.Sum(r => r.Size));
        }

        /// <summary>A buffer to place: a value or its gradient, its floats per sample, and its first and last step (inclusive).</summary>
        private sealed record Request(int Value, bool Gradient, int Size, int Start, int End);

        /// <summary>First fit, largest buffers first (ties: earliest first), over the lifetimes.</summary>
        private static Dictionary<(int, bool), int> Place(List<Request> requests)
        {
            var placed = new List<(Request Request, int Offset)>();
            var offsets = new Dictionary<(int, bool), int>();
            foreach (var request in requests.OrderByDescending(r => r.Size).ThenBy(r => r.Start).ThenBy(r => r.Value).ThenBy(r => r.Gradient))
            {
                // The busy address ranges of the buffers alive at the same time, by start.
                var busy = placed.Where(p => p.Request.Start <= request.End && request.Start <= p.Request.End)
                    .Select(p => (Start: p.Offset, End: p.Offset + p.Request.Size))
                    .OrderBy(r => r.Start)
                    .ToList();
                int offset = 0;
                foreach (var range in busy)
                {
                    if (offset + request.Size <= range.Start) break;
                    offset = Math.Max(offset, range.End);
                }
                placed.Add((request, offset));
                offsets[(request.Value, request.Gradient)] = offset;
            }
            return offsets;
        }

        /// <summary>The ops' own batch-scaled arrays, in op order.</summary>
        private EquatableArray<PlannedArray> PlanArrays(EquatableArray<PlannedValue> values)
        {
            bool trainable = _spec.Loss != LossKind.None;
            var arrays = new List<PlannedArray>();
            foreach (var op in _ops)
            {
                int layer = op.Layers[0];
                string output = GeneratedNames.SizeConstant(values[op.Output].Identifier);
                switch (op)
                {
                    case Conv2DOp { Input.Accumulate: true } conv:
                        // The convolution kernels write dx; where another reader already wrote this input's gradient,
                        // they write here and the backward adds it.
                        arrays.Add(new PlannedArray(GeneratedNames.InputGradientField(conv.Identifier), "float", GeneratedNames.InputGradientSize(conv.Identifier),
                            conv.InputShape.Size, $"{BatchShape(conv.InputShape)}, {conv.Identifier}'s share of its input's gradient, before it is added", layer));
                        break;
                    case PoolOp { Pool: PoolKind.Max } when trainable:
                        arrays.Add(new PlannedArray(GeneratedNames.ArgmaxField(op.Identifier), "int", output, op.OutputShape.Size,
                            $"{BatchShape(op.OutputShape)}, where in its input plane each maximum came from", layer));
                        break;
                    case DropoutOp:
                        arrays.Add(new PlannedArray(GeneratedNames.MaskField(op.Identifier), "float", output, op.OutputShape.Size,
                            $"{BatchShape(op.OutputShape)}, 0 or 1/(1 - p) per element of the last training pass", layer));
                        break;
                    case BatchNormOp:
                        arrays.Add(new PlannedArray(GeneratedNames.NormalizedField(op.Identifier), "float", output, op.OutputShape.Size,
                            $"{BatchShape(op.InputShape)}, x-hat of the last forward pass", layer));
                        break;
                }
            }
            return arrays.ToEquatableArray();
        }

        /// <summary>A shape as a comment: <c>[batch, 6, 26, 26]</c>.</summary>
        private static string BatchShape(Shape shape) => "[batch, " + string.Join(", ", shape.Dims) + "]";
    }
}
