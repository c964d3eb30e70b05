using System.Collections.Generic;
using System.Linq;
using Myelin.Generator.Model;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// 2-D convolution. With many filter weights it is an implicit GEMM: the tiled product reads the im2col matrix straight
// from the input (no columns array), the epilogue adds the bias, applies the activation and writes NCHW; the weight
// gradient is the same product over the batch's positions, split along that depth and summed in a second pass. A
// convolution with few weights (few channels, small kernels) is computed directly, one thread per output, and its
// weight gradient by one group reduction per weight. The input gradient is always a direct gather.
internal static partial class GpuEmitter
{
    /// <summary>Up to this many weights (filters x channels x kernel area), a convolution runs directly rather than as a tiled product.</summary>
    private const int DirectConvolutionWeights = 1024;

    /// <summary>The depth slice of a split-K weight-gradient product: positions of the batch summed by one group.</summary>
    private const int WeightGradientSlice = 1024;

    private static bool IsDirect(Conv2DOp op) => op.OutputShape.Channels * op.ColumnRows <= DirectConvolutionWeights;

    /// <summary>
    /// Whether the op keeps a copy of its input for the weight gradient: only if the plan let the arena reuse the input
    /// after the forward pass. The plan keeps a convolution's input alive for its backward pass (both backends read it),
    /// so no copy is made; the check stays so that the device stays correct should a plan ever not.
    /// </summary>
    private static bool SavesInput(Conv2DOp op) => op.Input.Value >= 0 && !op.BackwardReadsInputs;

    /// <summary>What the backward kernels read as the convolution's input.</summary>
    private static string BackwardInput(NetworkPlan plan, Conv2DOp op) => SavesInput(op) ? N.SavedInputField(op.Identifier) : Value(plan, op.Input.Value);

    /// <summary>The number of split-K slices of a convolution's weight gradient for <paramref name="positions"/> batch positions.</summary>
    private static string Slices(string positions) => $"({positions} + {I(WeightGradientSlice - 1)}) / {I(WeightGradientSlice)}";

    private static string ConvConstants(Conv2DOp op)
    {
        var i = op.InputShape;
        var o = op.OutputShape;
        return $"const int C = {I(i.Channels)}, H = {I(i.Height)}, W = {I(i.Width)}; // input\n"
            + $"const int F = {I(o.Channels)}, OH = {I(o.Height)}, OW = {I(o.Width)}; // output\n"
            + $"const int Kernel = {I(op.KernelSize)}, Stride = {I(op.Stride)}, PadTop = {I(op.PadTop)}, PadLeft = {I(op.PadLeft)};\n"
            + "const int K = C * Kernel * Kernel; // weights per filter\n"
            + "const int P = OH * OW; // positions per sample";
    }

    private static void AddConvKernels(List<Kernel> kernels, NetworkPlan plan, Conv2DOp op)
    {
        bool bias = op.Bias >= 0;
        bool direct = IsDirect(op);
        string constants = ConvConstants(op);
        string column = op.Identifier + "Column";
        string store = op.Identifier + "Store";
        string activation = op.Activation == ActivationKind.None ? "" : ", " + op.Activation;

        kernels.Add(new Kernel(column, $"{op.Identifier}'s im2col matrix read in place: columns[row, b*P + p] = x[b, c, oy*Stride + ky - PadTop, ox*Stride + kx - PadLeft], 0 in the padding.",
            grouped: false, new[] { Floats("x"), Int("row"), Int("column") }, w =>
            {
                w.Lines(constants);
                w.Line("int b = column / P, p = column % P, oy = p / OW, ox = p % OW;");
                w.Line("int c = row / (Kernel * Kernel), r = row % (Kernel * Kernel), ky = r / Kernel, kx = r % Kernel;");
                w.Line("int h = oy * Stride + ky - PadTop, w = ox * Stride + kx - PadLeft;");
                w.Line("return h >= 0 && h < H && w >= 0 && w < W ? x[((b * C + c) * H + h) * W + w] : 0f;");
            }, returnType: "float"));

        var forward = new List<Parameter> { Floats("x"), Floats("weight") };
        if (bias) forward.Add(Floats("bias"));
        forward.Add(Floats("y"));
        if (direct)
        {
            forward.Add(Int("batch"));
            kernels.Add(Elementwise(N.ForwardMethod(op.Identifier),
                $"{op.Description}: direct, one thread per output y[b, f, oy, ox] = sum over c, ky, kx of W . x{(bias ? " + bias[f]" : "")}{activation}.",
                forward,
                constants,
                "int p = i % P, f = (i / P) % F, b = i / (F * P);",
                "float sum = 0f;",
                $$"""
                for (int r = 0; r < K; r++) sum += weight[f * K + r] * {{column}}(x, r, b * P + p);
                """,
                $"float z = {(bias ? "sum + bias[f]" : "sum")};",
                $"y[i] = {Activate(op.Activation, op.NegativeSlope, "z")};"));
        }
        else
        {
            forward.Add(Int("batch"));
            kernels.Add(ProductKernel(N.ForwardMethod(op.Identifier),
                $"{op.Description}: implicit GEMM, y[F, batch*P] = W[F, K] . columns[K, batch*P], tiled, the columns read from x.",
                forward, constants,
                new Product("F", "batch * P", "K",
                    (m, k) => $"weight[{m} * K + {k}]", AAlongDepth: true,
                    (k, n) => $"{column}(x, {k}, {n})", BAlongColumns: true,
                    (m, n, sum) => $"{store}(y, {(bias ? "bias, " : "")}{m}, {n}, {sum});")));
            var storeParameters = new List<Parameter> { Floats("y") };
            if (bias) storeParameters.Add(Floats("bias"));
            storeParameters.AddRange(new[] { Int("f"), Int("n"), new Parameter("float", "sum") });
            kernels.Add(new Kernel(store, $"{op.Identifier}'s epilogue: y[b, f, p] = f(sum{(bias ? " + bias[f]" : "")}) for column n = b*P + p, reordered to NCHW.",
                grouped: false, storeParameters, w =>
                {
                    w.Lines(constants);
                    w.Line($"float z = {(bias ? "sum + bias[f]" : "sum")};");
                    w.Line($"y[((n / P) * F + f) * P + n % P] = {Activate(op.Activation, op.NegativeSlope, "z")};");
                }, returnType: "void"));
        }
        if (!plan.HasBackward(op)) return;

        AddDzHelper(kernels, op);
        var dz = DzParameters(op).ToList();
        // dz at (b, f, p) for a batch position n = b*P + p.
        string DzAt(string f, string n) => Dz(op, $"({n} / P * F + {f}) * P + {n} % P");
        if (direct)
        {
            kernels.Add(GroupSumKernel(op.Identifier + "WeightGradient",
                $"Backward of {op.Description}: dW[f, r] += sum over the batch's positions of dz[b, f, p] columns[r, b*P + p], one group per weight, a group reduction.",
                dz.Concat(new[] { Floats("x"), Floats("dWeight"), Int("batch") }).ToList(), constants,
                output: $"int index = {N.Grid}.IdxX, f = index / K, r = index % K", count: "batch * P",
                term: $"{DzAt("f", "n")} * {column}(x, r, n)", target: "dWeight[index]"));
        }
        else
        {
            kernels.Add(ProductKernel(op.Identifier + "WeightGradient",
                $"Backward of {op.Description}: partial dW[F, K] = dz[F, slice] . columns[K, slice]^T, tiled, one slice of {WeightGradientSlice} batch positions per group along the grid's third axis.",
                dz.Concat(new[] { Floats("x"), Floats("partials"), Int("batch") }).ToList(), constants,
                new Product("F", "K", "batch * P",
                    (m, k) => DzAt(m, k), AAlongDepth: true,
                    (k, n) => $"{column}(x, {n}, {k})", BAlongColumns: false,
                    (m, n, sum) => $"partials[({N.Grid}.IdxZ * F + {m}) * K + {n}] = {sum};",
                    DepthSlice: WeightGradientSlice)));
            kernels.Add(Elementwise(op.Identifier + "WeightGradientSum",
                $"Backward of {op.Description}: dW[f, r] += the split-K partial sums, in slice order.",
                new[] { Floats("partials"), Floats("dWeight"), Int("slices") },
                constants,
                "float total = 0f;",
                "for (int s = 0; s < slices; s++) total += partials[s * F * K + i];",
                "dWeight[i] += total;"));
        }
        if (bias)
        {
            kernels.Add(GroupSumKernel(op.Identifier + "BiasGradient",
                $"Backward of {op.Description}: db[f] += sum over the batch's positions of dz[b, f, p], one group per filter, a group reduction.",
                dz.Concat(new[] { Floats("dBias"), Int("batch") }).ToList(), constants,
                output: $"int f = {N.Grid}.IdxX", count: "batch * P", term: DzAt("f", "n"), target: "dBias[f]"));
        }
        string assign = Assign(op, 0);
        kernels.Add(Elementwise(op.Identifier + "InputGradient",
            $"Backward of {op.Description}: dx[b, c, h, w] {assign} sum of W[f, c, ky, kx] dz[b, f, oy, ox] over the outputs whose window covers (h, w), one thread per input.",
            dz.Concat(new[] { Floats("weight"), Floats("dx") }).ToList(),
            constants,
            "int w = i % W, h = (i / W) % H, c = (i / (H * W)) % C, b = i / (C * H * W);",
            "float sum = 0f;",
            $$"""
            for (int f = 0; f < F; f++)
            {
                for (int ky = 0; ky < Kernel; ky++)
                {
                    int rowStride = h + PadTop - ky;
                    if (rowStride < 0 || rowStride % Stride != 0 || rowStride / Stride >= OH) continue;
                    for (int kx = 0; kx < Kernel; kx++)
                    {
                        int columnStride = w + PadLeft - kx;
                        if (columnStride < 0 || columnStride % Stride != 0 || columnStride / Stride >= OW) continue;
                        sum += weight[((f * C + c) * Kernel + ky) * Kernel + kx] * {{Dz(op, "((b * F + f) * OH + rowStride / Stride) * OW + columnStride / Stride")}};
                    }
                }
            }
            """,
            $"dx[i] {assign} sum;"));
    }

    private static void WriteConvHost(CodeWriter w, NetworkPlan plan, Conv2DOp op)
    {
        var weight = plan.Tensors[op.Weight];
        var bias = op.Bias >= 0 ? plan.Tensors[op.Bias] : null;
        bool direct = IsDirect(op);
        string x = Value(plan, op.Input.Value);
        string constants = $"const int F = {I(op.OutputShape.Channels)}; // filters\nconst int K = {I(op.ColumnRows)}; // weights per filter\nconst int P = {I(op.Positions)}; // positions per sample";
        string biasArgument = bias is null ? "" : Tensor(bias) + ", ";
        w.Line($"/// <summary>{CodeWriter.Xml(op.Description)}{(direct ? ", computed directly" : ", an implicit GEMM")}.</summary>");
        using (w.Block($"private void {N.ForwardMethod(op.Identifier)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Lines(constants);
                string launch = direct ? "batch * F * P" : TileLaunch("F", "batch * P");
                w.Line($"{N.KernelField(N.ForwardMethod(op.Identifier))}({launch}, {x}, {Tensor(weight)}, {biasArgument}{Value(plan, op.Output)}, batch);");
            if (plan.HasBackward(op) && SavesInput(op))
                w.Line($"Copy({x}, {N.SavedInputField(op.Identifier)}, (long)batch * {I(op.InputShape.Size)}); // the arena may reuse x before the backward pass");
            });
        }
        w.Line();
        if (!plan.HasBackward(op)) return;

        string dz = DzArguments(plan, op);
        x = BackwardInput(plan, op);
        w.Line($"/// <summary>Backward of {CodeWriter.Xml(op.Description)}: the weight gradients when {CodeWriter.Xml(plan.Layers[op.OwnerLayer].Name)} is trained, dx when its input needs a gradient.</summary>");
        using (w.Block($"private void {N.BackwardMethod(op.Identifier)}(int batch)"))
        {
            WriteBody(w, w =>
            {
                w.Lines(constants);
                using (w.Block($"if ({N.Trainable}[{I(op.OwnerLayer)}])"))
                {
                    if (direct)
                    {
                        w.Line($"{N.KernelField(op.Identifier + "WeightGradient")}(GroupLaunch(F * K), {dz}, {x}, {TensorGradient(weight)}, batch);");
                    }
                    else
                    {
                        w.Line($"int slices = {Slices("batch * P")};");
                        w.Line($"{N.KernelField(op.Identifier + "WeightGradient")}({TileLaunch("F", "K", "slices")}, {dz}, {x}, {N.PartialsField(op.Identifier)}, batch);");
                        w.Line($"{N.KernelField(op.Identifier + "WeightGradientSum")}(F * K, {N.PartialsField(op.Identifier)}, {TensorGradient(weight)}, slices);");
                    }
                    if (bias is not null) w.Line($"{N.KernelField(op.Identifier + "BiasGradient")}(GroupLaunch(F), {dz}, {TensorGradient(bias)}, batch);");
                }
                w.Line($"if ({NeedsGradient(plan, op.Input.Value)}) {N.KernelField(op.Identifier + "InputGradient")}(batch * {I(op.InputShape.Size)}, {dz}, {Tensor(weight)}, {Gradient(plan, op.Input.Value)});");
            });
        }
        w.Line();
    }
}
