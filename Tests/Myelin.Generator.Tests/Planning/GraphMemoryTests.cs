using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using Myelin.Generator.Tests.Numerics;
using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// The arena of a graph plan, checked by running the plan on paper: every float of the arena records which buffer (a
/// value or a value's gradient) last wrote it, and every read must find its buffer whole. The forward pass runs each op
/// (reading its inputs, writing its output), the loss reads its value and writes that value's gradient, backward runs
/// the ops in reverse (reading what each backward needs: its inputs, its output and its output's gradient, then writing
/// or adding its inputs' gradients), and the network's output must still be whole at the end (<c>Outputs</c> reads it).
/// Within one op nothing it writes may overlap anything it reads. This does not trust the planner's own lifetimes.
/// </summary>
public sealed class GraphMemoryTests
{
    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    /// <summary>The random graphs of the numerics tests and more, and the hand-written ones.</summary>
    private static IEnumerable<RefNetwork> Graphs() =>
        Enumerable.Range(0, 150).Select(i => RandomGraphs.Dense(80_000 + i, "D" + i, Losses[i % 3]))
            .Concat(Enumerable.Range(0, 150).Select(i => RandomGraphs.Conv(81_000 + i, "C" + i, Losses[i % 3])))
            .Concat(GraphExamples.All);

    [Fact]
    public void No_float_of_the_arena_is_overwritten_while_the_buffer_in_it_is_still_to_be_read_in_300_random_graphs()
    {
        var problems = new List<string>();
        int shared = 0;
        foreach (var network in Graphs())
        {
            var plan = GraphSpecs.Plan(network).Plan!;
            var found = Simulate(plan);
            if (found.Count > 0) problems.Add($"{network.ClassName}:\n  {string.Join("\n  ", found.Take(5))}\n{network.ToDeclaration()}");
            if (plan.ArenaSize < plan.UnsharedSize) shared++;
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
        // Guards the test: the arena must actually reuse memory in most plans, or there would be nothing to check.
        Assert.True(shared > 200, $"only {shared} plans share any memory");
    }

    [Fact]
    public void Inference_only_plans_keep_only_values_and_reuse_them_safely()
    {
        var problems = new List<string>();
        foreach (var network in Graphs().Take(100))
        {
            var plan = GraphSpecs.Plan(network, LossKind.None).Plan!;
            Assert.All(plan.Values, v => Assert.False(v.HasGradient));
            var found = Simulate(plan);
            if (found.Count > 0) problems.Add($"{network.ClassName}: {string.Join("; ", found.Take(3))}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
    }

    [Fact]
    public void The_simulation_finds_a_value_placed_over_another_one_still_to_be_read()
    {
        // Guards the simulation itself: put the second value of a chain over the first, which the second op reads.
        var plan = GraphSpecs.Plan(GraphExamples.LongSkip).Plan!;
        var broken = plan with { Values = plan.Values.Select((v, i) => i == 1 ? v with { Offset = plan.Values[0].Offset } : v).ToEquatableArray() };
        Assert.NotEmpty(Simulate(broken));
    }

    /// <summary>Runs the plan's reads and writes over the arena; returns every read that found its buffer overwritten.</summary>
    internal static List<string> Simulate(NetworkPlan plan)
    {
        var owner = new (int Value, bool Gradient)?[plan.ArenaSize];
        var problems = new List<string>();
        (int Start, int End) Range(int value, bool gradient)
        {
            var v = plan.Values[value];
            int offset = gradient ? v.GradientOffset : v.Offset;
            return (offset, offset + v.Shape.Size);
        }
        string Name(int value, bool gradient) => (gradient ? "d" : "") + plan.Values[value].Identifier;
        void Read(int value, bool gradient, string when)
        {
            if (value < 0) return; // the caller's span, not the arena
            if (gradient && !plan.Values[value].HasGradient)
            {
                problems.Add($"{when} reads {Name(value, true)}, which has no place in the arena");
                return;
            }
            var (start, end) = Range(value, gradient);
            for (int i = start; i < end; i++)
            {
                if (owner[i] != (value, gradient))
                {
                    string by = owner[i] is { } o ? Name(o.Value, o.Gradient) : "nothing";
                    problems.Add($"{when} reads {Name(value, gradient)}, but float {i} holds {by}");
                    return;
                }
            }
        }
        void Write(int value, bool gradient)
        {
            if (value < 0 || (gradient && !plan.Values[value].HasGradient)) return;
            var (start, end) = Range(value, gradient);
            for (int i = start; i < end; i++) owner[i] = (value, gradient);
        }
        void Disjoint(string when, IEnumerable<(int Value, bool Gradient)> reads, IEnumerable<(int Value, bool Gradient)> writes)
        {
            var inArena = writes.Where(b => b.Value >= 0 && (!b.Gradient || plan.Values[b.Value].HasGradient)).ToList();
            foreach (var w in inArena)
            foreach (var r in reads.Concat(inArena).Where(b => b.Value >= 0 && b != w && (!b.Gradient || plan.Values[b.Value].HasGradient)))
            {
                var (a, b) = (Range(w.Value, w.Gradient), Range(r.Value, r.Gradient));
                if (a.Start < b.End && b.Start < a.End) problems.Add($"{when} writes {Name(w.Value, w.Gradient)} over {Name(r.Value, r.Gradient)}, which it uses too");
            }
        }

        for (int k = 0; k < plan.Ops.Count; k++)
        {
            var op = plan.Ops[k];
            string when = $"forward of {op.Identifier}";
            foreach (var input in op.Inputs) Read(input.Value, false, when);
            Disjoint(when, op.Inputs.Select(i => (i.Value, false)), new[] { (op.Output, false) });
            Write(op.Output, false);
        }
        if (plan.IsTrainable)
        {
            int lossValue = plan.Loss.GradientValue;
            Read(lossValue, false, "the loss");
            Disjoint("the loss", new[] { (lossValue, false) }, new[] { (lossValue, true) });
            Write(lossValue, true);
            for (int k = plan.Ops.Count - 1; k >= 0; k--)
            {
                var op = plan.Ops[k];
                if (!plan.HasBackward(op)) continue;
                string when = $"backward of {op.Identifier}";
                var reads = new List<(int Value, bool Gradient)> { (op.Output, true) };
                if (op.BackwardReadsInputs) reads.AddRange(op.Inputs.Select(i => (i.Value, false)));
                if (op.BackwardReadsOutput) reads.Add((op.Output, false));
                // An added gradient is read too: it must still hold what the earlier readers wrote (unless this op wrote
                // it itself, reading the same value twice, as Add(x, x) does).
                var written = op.Inputs.Where(i => !i.Accumulate).Select(i => i.Value).ToHashSet();
                reads.AddRange(op.Inputs.Where(i => i.Accumulate && !written.Contains(i.Value)).Select(i => (i.Value, true)));
                foreach (var (value, gradient) in reads) Read(value, gradient, when);
                var writes = op.Inputs.Select(i => (i.Value, true)).Distinct().ToList();
                Disjoint(when, reads.Where(r => !writes.Contains(r)), writes);
                foreach (var (value, _) in writes) Write(value, true);
            }
        }
        Read(plan.OutputValue, false, "Outputs after the pass");
        return problems;
    }
}
