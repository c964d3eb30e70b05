using System.Threading;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;
using Myelin.Generator.Planning;
using Myelin.Generator.Tests.Numerics;
using Myelin.Generator.Tests.Reference;
using static Myelin.Generator.Tests.Planning.Specs;

namespace Myelin.Generator.Tests.Planning;

/// <summary>
/// The graph decisions of the plan: an activation fuses into the op before it only when nothing else reads that op's
/// output; where a value has several readers, the first to run backward writes its gradient and the others add to it;
/// layers whose output never reaches the network's output are dropped from the ops (MYL0102) but keep their parameters.
/// </summary>
public sealed class GraphPlanTests
{
    private static readonly Loss[] Losses = { Loss.SoftmaxCrossEntropy, Loss.BinaryCrossEntropy, Loss.MeanSquaredError };

    private static PlanResult PlanWith(int[] input, LossKind loss, params LayerSpec[] layers) =>
        NetworkPlanner.Plan(Network(input, loss, layers), CancellationToken.None);

    private static T From<T>(T layer, string from) where T : LayerSpec => layer with { From = from };

    private static AddSpec Add(params string[] inputs) => new(null, null, inputs.ToEquatableArray(), ActivationKind.None, 0.01f);

    private static ConcatSpec Concat(params string[] inputs) => new(null, null, inputs.ToEquatableArray());

    [Fact]
    public void An_activation_does_not_fuse_into_an_op_whose_output_another_layer_also_reads()
    {
        // d -> relu1 -> dense2, and d -> dense3: fusing ReLU into d would hand dense3 the activated values.
        var result = PlanWith(new[] { 4 }, LossKind.MeanSquaredError,
            Dense(8, name: "d"), Activation(ActivationKind.ReLU), Dense(3), From(Dense(3), "d"), Add("dense2", "dense3"));
        var plan = result.Plan!;
        var dense = plan.Ops.OfType<DenseOp>().Single(op => op.Layers.Contains(0));
        Assert.Equal(ActivationKind.None, dense.Activation);
        var relu = Assert.Single(plan.Ops.OfType<ActivationOp>());
        Assert.Equal(new[] { 1 }, relu.Layers);
        var note = Assert.Single(result.Diagnostics, d => d.Descriptor.Id == "MYL0100");
        Assert.Equal(At(1), note.Location);
        Assert.Equal(new[] { "relu1", "d" }, note.Arguments.Take(2));
    }

    [Fact]
    public void An_activation_after_a_flatten_does_not_fuse_when_a_layer_reads_the_image_before_the_flatten()
    {
        var plan = PlanWith(new[] { 1, 4, 4 }, LossKind.MeanSquaredError,
            Conv(2, 3, name: "c"), Flatten(), Activation(ActivationKind.Tanh), Dense(2),
            From(MaxPool(2), "c"), Flatten(), Dense(2), Add("dense1", "dense2")).Plan!;
        Assert.Equal(ActivationKind.None, plan.Ops.OfType<Conv2DOp>().Single().Activation);
        Assert.Equal(ActivationKind.Tanh, Assert.Single(plan.Ops.OfType<ActivationOp>()).Activation);
    }

    [Fact]
    public void An_activation_still_fuses_when_the_other_readers_read_the_activation_itself()
    {
        var plan = PlanWith(new[] { 4 }, LossKind.MeanSquaredError,
            Dense(8), Activation(ActivationKind.ReLU, name: "r"), Dense(3), From(Dense(3), "r"), Add("dense2", "dense3")).Plan!;
        Assert.Empty(plan.Ops.OfType<ActivationOp>());
        var dense = plan.Ops.OfType<DenseOp>().Single(op => op.Layers.Contains(0));
        Assert.Equal(new[] { 0, 1 }, dense.Layers);
        Assert.Equal(ActivationKind.ReLU, dense.Activation);
    }

    [Fact]
    public void A_value_read_by_three_ops_gets_its_gradient_written_by_the_last_of_them_and_added_by_the_other_two()
    {
        var plan = GraphSpecs.Plan(GraphExamples.ThreeReaders).Plan!;
        var hub = plan.Ops.Single(op => op.Layers.Contains(0)).Output;
        var readers = plan.Ops.Select((op, i) => (op, i)).Where(p => p.op.Inputs.Any(input => input.Value == hub)).ToList();
        Assert.Equal(new[] { typeof(Conv2DOp), typeof(BatchNormOp), typeof(AddOp) }, readers.Select(r => r.op.GetType()));
        Assert.Equal(new[] { true, true, false }, readers.Select(r => r.op.Inputs.Single(input => input.Value == hub).Accumulate));
        Assert.Equal(readers.Select(r => r.i).ToArray(), plan.Values[hub].Consumers.ToArray());
    }

    [Fact]
    public void In_300_random_graphs_each_gradient_is_written_once_first_in_backward_order_and_only_added_to_after()
    {
        var problems = new List<string>();
        int shared = 0;
        var networks = Enumerable.Range(0, 150).Select(i => RandomGraphs.Dense(82_000 + i, "D" + i, Losses[i % 3]))
            .Concat(Enumerable.Range(0, 150).Select(i => RandomGraphs.Conv(83_000 + i, "C" + i, Losses[i % 3])))
            .Concat(GraphExamples.All);
        foreach (var network in networks)
        {
            var plan = GraphSpecs.Plan(network).Plan!;
            // Every input reference of every op that runs backward, in the order backward runs them.
            var order = Enumerable.Range(0, plan.Ops.Count).Reverse()
                .Where(i => plan.HasBackward(plan.Ops[i]))
                .SelectMany(i => plan.Ops[i].Inputs.Select((input, k) => (Op: i, K: k, input.Value, input.Accumulate)))
                .ToList();
            foreach (var group in order.GroupBy(r => r.Value))
            {
                var marks = group.Select(r => r.Accumulate).ToList();
                // The loss writes its value's gradient first; anything else reading that value adds.
                bool lossWritesFirst = group.Key == plan.Loss.GradientValue;
                var expected = marks.Select((_, n) => lossWritesFirst || n > 0).ToList();
                if (!marks.SequenceEqual(expected))
                    problems.Add($"{network.ClassName}: value {group.Key} readers (op, input) {string.Join(", ", group.Select(r => $"({r.Op}, {r.K}) {(r.Accumulate ? "+=" : "=")}"))}");
                if (marks.Count > 1) shared++;
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        Assert.True(shared > 300, $"only {shared} values with several readers; the test would prove little");
    }

    [Fact]
    public void A_layer_nothing_reads_is_warned_about_and_runs_no_op_but_keeps_its_parameters()
    {
        var result = GraphSpecs.Plan(GraphExamples.DeadLayers);
        var plan = result.Plan!;
        var warnings = result.Diagnostics.Where(d => d.Descriptor.Id == "MYL0102").ToList();
        Assert.Equal(new[] { At(1), At(2) }, warnings.Select(w => w.Location));
        Assert.Equal(new[] { "dense2", "bn1" }, warnings.Select(w => w.Arguments[1]));
        Assert.DoesNotContain(plan.Ops, op => op.Layers.Contains(1) || op.Layers.Contains(2));
        Assert.Equal(4, plan.Layers.Count);
        Assert.Contains(plan.Tensors, t => t.Name == "dense2.weight");
        Assert.Contains(plan.Tensors, t => t.Name == "bn1.running_var");
        Assert.DoesNotContain(plan.Arrays, a => a.Layer is 1 or 2);
        Assert.DoesNotContain(plan.Values, v => v.Producer is "dense2" or "bn1");
    }

    [Fact]
    public void A_dead_chain_is_pruned_whole_and_only_its_last_layer_is_warned_about()
    {
        // dense2 -> dense3 reach nothing: dense3 is unread (MYL0102); dense2 is read, but only by a dead layer.
        var result = PlanWith(new[] { 4 }, LossKind.MeanSquaredError,
            Dense(5, name: "used"), Dense(6), Dense(2), From(Dense(2), "used"));
        var plan = result.Plan!;
        Assert.Equal(new[] { "dense3" }, result.Diagnostics.Where(d => d.Descriptor.Id == "MYL0102").Select(w => w.Arguments[1]));
        Assert.Equal(new[] { new[] { 0 }, new[] { 3 } }, plan.Ops.Select(op => op.Layers.ToArray()));
    }

    [Fact]
    public void A_merge_reading_one_value_twice_writes_that_gradient_once_and_adds_it_once()
    {
        var plan = PlanWith(new[] { 3 }, LossKind.MeanSquaredError, Dense(4, name: "x"), Add("x", "x"), Concat("x", "add1")).Plan!;
        var add = plan.Ops.OfType<AddOp>().Single();
        var concat = plan.Ops.OfType<ConcatOp>().Single();
        // Backward runs the concat first: it writes x's gradient (and add1's, read by nothing else); the add then adds
        // both of its shares to x's.
        Assert.Equal(new[] { false, false }, concat.Inputs.Select(i => i.Accumulate));
        Assert.Equal(new[] { true, true }, add.Inputs.Select(i => i.Accumulate));
    }
}
