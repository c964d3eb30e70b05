using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// Dense layers: a tiled product with the bias and the activation in its epilogue; backward, two tiled products whose
// prologue applies the activation's derivative, and a group reduction for the bias gradient. On a sequence the layer
// applies to every step: the products run over batch * Steps rows of In, as on the CPU.
internal static partial class GpuEmitter
{
    private static string DenseConstants(DenseOp op) => op.Steps > 1
        ? $"const int Steps = {I(op.Steps)}, In = {I(op.InputShape.Size / op.Steps)}, Out = {I(op.OutputShape.Size / op.Steps)};"
        : $"const int In = {I(op.InputShape.Size)}, Out = {I(op.OutputShape.Size)};";

    /// <summary>The rows of a dense layer's products: a row per sample, or per step of every sample on a sequence.</summary>
    private static string DenseRows(DenseOp op) => op.Steps > 1 ? "batch * Steps" : "batch";

    private static void AddDenseKernels(List<Kernel> kernels, NetworkPlan plan, DenseOp op)
    {
        bool bias = op.Bias >= 0;
        string store = op.Identifier + "Store";
        var forward = new List<Parameter> { Floats("x"), Floats("weight") };
        if (bias) forward.Add(Floats("bias"));
        forward.Add(Floats("y"));
        forward.Add(Int("batch"));
        string constants = DenseConstants(op), rows = DenseRows(op), sequence = op.Steps > 1 ? " (a row per step of every sample)" : "";
        kernels.Add(ProductKernel(N.ForwardMethod(op.Identifier),
            $"{op.Description}: y[{rows}, Out] = x[{rows}, In] . W^T{(bias ? " + bias" : "")}, tiled (rows: samples{sequence}, columns: outputs, depth: inputs).",
            forward, constants,
            new Product(rows, "Out", "In",
                (m, k) => $"x[{m} * In + {k}]", AAlongDepth: true,
                (k, n) => $"weight[{n} * In + {k}]", BAlongColumns: false,
                (m, n, sum) => $"{store}(y, {(bias ? "bias, " : "")}{m}, {n}, {sum});")));
        var storeParameters = new List<Parameter> { Floats("y") };
        if (bias) storeParameters.Add(Floats("bias"));
        storeParameters.AddRange(new[] { Int("b"), Int("o"), new Parameter("float", "sum") });
        string z = bias ? "sum + bias[o]" : "sum";
        kernels.Add(new Kernel(store, $"{op.Identifier}'s epilogue: y[b, o] = {(op.Activation == ActivationKind.None ? "z" : op.Activation + "(z)")} with z = sum{(bias ? " + bias[o]" : "")}.",
            grouped: false, storeParameters, w =>
            {
                w.Line(constants);
                w.Line($"float z = {z};");
                w.Line($"y[b * Out + o] = {Activate(op.Activation, op.NegativeSlope, "z")};");
            }, returnType: "void"));
        if (!plan.HasBackward(op)) return;

        AddDzHelper(kernels, op);
        var dz = DzParameters(op).ToList();
        kernels.Add(ProductKernel(op.Identifier + "WeightGradient",
            $"Backward of {op.Description}: dW[Out, In] += dz^T . x, tiled (rows: outputs, columns: inputs, depth: samples{sequence}), dz = dy * f'(y) in the prologue.",
            dz.Concat(new[] { Floats("x"), Floats("dWeight"), Int("batch") }).ToList(), constants,
            new Product("Out", "In", rows,
                (m, k) => Dz(op, $"{k} * Out + {m}"), AAlongDepth: false,
                (k, n) => $"x[{k} * In + {n}]", BAlongColumns: true,
                (m, n, sum) => $"dWeight[{m} * In + {n}] += {sum};")));
        if (bias)
        {
            kernels.Add(GroupSumKernel(op.Identifier + "BiasGradient",
                $"Backward of {op.Description}: db[o] += sum over the batch{(op.Steps > 1 ? " and the steps" : "")} of dz[row, o], one group per output, a group reduction.",
                dz.Concat(new[] { Floats("dBias"), Int("batch") }).ToList(), constants,
                output: $"int o = {N.Grid}.IdxX", count: rows, term: Dz(op, "n * Out + o"), target: "dBias[o]"));
        }
        string assign = Assign(op, 0);
        kernels.Add(ProductKernel(op.Identifier + "InputGradient",
            $"Backward of {op.Description}: dx[{rows}, In] {assign} dz . W, tiled (rows: samples{sequence}, columns: inputs, depth: outputs), dz = dy * f'(y) in the prologue.",
            dz.Concat(new[] { Floats("weight"), Floats("dx"), Int("batch") }).ToList(), constants,
            new Product(rows, "In", "Out",
                (m, k) => Dz(op, $"{m} * Out + {k}"), AAlongDepth: true,
                (k, n) => $"weight[{k} * In + {n}]", BAlongColumns: true,
                (m, n, sum) => $"dx[{m} * In + {n}] {assign} {sum};")));
    }

    private static void WriteDenseHost(CodeWriter w, NetworkPlan plan, DenseOp op)
    {
        var weight = plan.Tensors[op.Weight];
        var bias = op.Bias >= 0 ? plan.Tensors[op.Bias] : null;
        string x = Value(plan, op.Input.Value);
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line(DenseConstants(op));
                string biasArgument = bias is null ? "" : Tensor(bias) + ", ";
                w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}({TileLaunch(DenseRows(op), "Out")}, {x}, {Tensor(weight)}, {biasArgument}{Value(plan, op.Output)}, batch);");
            });
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        string dz = DzArguments(plan, op);
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: the weight gradients when {CodeWriter.Xml(plan.Layers[op.OwnerLayer].Name)} is trained, dx when its input needs a gradient.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Line(DenseConstants(op));
                using (w.Block($"if ({N.Trainable}[{I(op.OwnerLayer)}])"))
                {
                    w.Line($"{N.KernelField(op.Identifier + "WeightGradient")}({TileLaunch("Out", "In")}, {dz}, {x}, {TensorGradient(weight)}, batch);");
                    if (bias is not null) w.Line($"{N.KernelField(op.Identifier + "BiasGradient")}(GroupLaunch(Out), {dz}, {TensorGradient(bias)}, batch);");
                }
                w.Line($"if ({NeedsGradient(plan, op.Input.Value)}) {N.KernelField(op.Identifier + "InputGradient")}({TileLaunch(DenseRows(op), "In")}, {dz}, {Tensor(weight)}, {Gradient(plan, op.Input.Value)}, batch);");
            });
        }
        w.Line();
    }
}
