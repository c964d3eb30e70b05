using System;
using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    // The graph: which layer reads which, which layers nothing reads, which ops reach the output, and how the gradients
    // of a value read by several ops are summed.
    private sealed partial class Builder
    {
        /// <summary>
        /// Which layers each layer reads (-1: the network input; null where a reference is broken) and, for each layer,
        /// the layers that read it, once per reference.
        /// </summary>
        private sealed record Graph(int[]?[] Inputs, List<int>[] Readers);

        /// <summary>
        /// Resolves every layer's inputs: the layer before it by default, the layer <c>From</c> names, or a merge layer's
        /// arguments. Reports unknown names (with the closest existing name), names of later layers, merges with fewer
        /// than two inputs and <c>From</c> on a merge.
        /// </summary>
        private Graph ResolveGraph((string Name, string Identifier)[] names)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < names.Length; i++)
            {
                if (!index.ContainsKey(names[i].Name)) index[names[i].Name] = i;
            }
            var inputs = new int[]?[Specs.Count];
            var readers = Enumerable.Range(0, Specs.Count).Select(_ => new List<int>()).ToArray();
            for (int i = 0; i < Specs.Count; i++)
            {
                var layer = Specs[i];
                string name = names[i].Name;
                bool merge = layer is AddSpec or ConcatSpec;
                bool ok = true;
                if (merge && layer.From is not null)
                {
                    Report(DiagnosticDescriptors.FromOnMerge, layer.Location, layer.Kind, name, layer.From);
                    ok = false;
                }
                var named = layer.NamedInputs;
                if (merge && named.Count < 2)
                {
                    string given = named.Count == 0 ? "none" : $"only '{named[0]}'";
                    Report(DiagnosticDescriptors.TooFewMergeInputs, layer.Location, layer.Kind, name, given);
                    ok = false;
                }
                int[] resolved;
                if (named.Count == 0)
                {
                    resolved = new[] { i - 1 };
                }
                else
                {
                    resolved = new int[named.Count];
                    for (int k = 0; k < named.Count; k++)
                    {
                        string target = named[k];
                        if (target == InputName)
                            resolved[k] = -1;
                        else if (index.TryGetValue(target, out int j) && j < i)
                            resolved[k] = j;
                        else
                        {
                            if (index.TryGetValue(target, out _))
                                Report(DiagnosticDescriptors.LaterInputName, layer.Location, layer.Kind, name, target);
                            else
                                Report(DiagnosticDescriptors.UnknownInputName, layer.Location, layer.Kind, name, target, Suggestion(target, names, i));
                            ok = false;
                        }
                    }
                }
                if (!ok) continue;
                inputs[i] = resolved;
                foreach (int j in resolved)
                {
                    if (j >= 0) readers[j].Add(i);
                }
            }
            return new Graph(inputs, readers);
        }

        /// <summary>"; did you mean 'x'?" for the closest earlier name (or <c>input</c>) within a few edits, else "".</summary>
        private static string Suggestion(string target, (string Name, string Identifier)[] names, int before)
        {
            var candidates = names.Take(before).Select(n => n.Name).Append(InputName);
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (string candidate in candidates)
            {
                int distance = EditDistance(target.ToLowerInvariant(), candidate.ToLowerInvariant());
                if (distance < bestDistance)
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }
            int allowed = Math.Max(2, target.Length / 3);
            return best is not null && bestDistance <= allowed ? $"; did you mean '{best}'?" : "";
        }

        /// <summary>The Levenshtein distance: insertions, deletions and substitutions.</summary>
        private static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) previous[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
                }
                (previous, current) = (current, previous);
            }
            return previous[b.Length];
        }

        /// <summary>Warns about every layer (but the last) that no later layer reads: its output would never be used.</summary>
        private void ReportUnusedLayers(Graph graph, (string Name, string Identifier)[] names)
        {
            for (int i = 0; i < Specs.Count - 1; i++)
            {
                if (graph.Readers[i].Count == 0)
                    Report(DiagnosticDescriptors.UnusedLayer, Specs[i].Location, Specs[i].Kind, names[i].Name);
            }
        }

        /// <summary>
        /// Drops the ops whose output never reaches the network's output (the layers keep their parameters, as a Keras
        /// layer outside the model's graph would) and renumbers the values. Returns the output value's new index.
        /// </summary>
        private int KeepLiveOps(int outputValue)
        {
            var producer = new int[_values.Count];
            for (int i = 0; i < _ops.Count; i++) producer[_ops[i].Output] = i;
            var live = new bool[_ops.Count];
            var pending = new Stack<int>();
            pending.Push(producer[outputValue]);
            while (pending.Count > 0)
            {
                int op = pending.Pop();
                if (live[op]) continue;
                live[op] = true;
                foreach (var input in _ops[op].Inputs)
                {
                    if (input.Value >= 0) pending.Push(producer[input.Value]);
                }
            }

            var renumbered = new int[_values.Count];
            var keptValues = new List<ValueDraft>();
            for (int v = 0; v < _values.Count; v++)
            {
                renumbered[v] = live[producer[v]] ? keptValues.Count : -1;
                if (renumbered[v] >= 0) keptValues.Add(_values[v]);
            }
            var keptOps = new List<PlannedOp>();
            for (int i = 0; i < _ops.Count; i++)
            {
                if (!live[i]) continue;
                var op = _ops[i];
                var inputs = op.Inputs.Select(input => input with { Value = input.Value < 0 ? -1 : renumbered[input.Value] }).ToEquatableArray();
                keptOps.Add(op with { Inputs = inputs, Output = renumbered[op.Output] });
            }
            _values.Clear();
            _values.AddRange(keptValues);
            _ops.Clear();
            _ops.AddRange(keptOps);
            return renumbered[outputValue];
        }

        /// <summary>
        /// Decides, for every input of every op, whether its backward pass writes or adds its share of that value's
        /// gradient. Backward runs the ops in reverse; the loss writes first (the gradient of its value), then the first
        /// op to reach a value in that order writes its gradient and every later one adds to it, as llm.c's
        /// <c>residual_backward</c> does (<c>dinp += dout</c>). A value read by several ops thus receives the sum of their
        /// gradients with no copy and no clearing pass.
        /// </summary>
        private void MarkGradientWriters(LossPlan loss)
        {
            if (loss.Kind == LossKind.None) return;
            var written = new HashSet<int> { loss.GradientValue };
            for (int i = _ops.Count - 1; i >= 0; i--)
            {
                var op = _ops[i];
                if (op is ActivationOp { AbsorbedByLoss: true }) continue;
                var inputs = new PlannedInput[op.Inputs.Count];
                for (int k = 0; k < inputs.Length; k++)
                {
                    var input = op.Inputs[k];
                    inputs[k] = input with { Accumulate = !written.Add(input.Value) };
                }
                _ops[i] = op with { Inputs = inputs.ToEquatableArray() };
            }
        }
    }
}
