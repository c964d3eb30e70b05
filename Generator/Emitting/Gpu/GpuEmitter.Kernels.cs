using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Myelin.Generator.Planning;
using N = Myelin.Generator.Model.GeneratedNames;

namespace Myelin.Generator.Emitting.Gpu;

// The kernel model: every kernel the network loads (or a helper its kernels call), the method that prints it, and the
// two kernel shapes most ops are made of: a shared-memory tiled matrix product and an element-wise loop.
internal static partial class GpuEmitter
{
    /// <summary>One parameter of a kernel.</summary>
    private readonly record struct Parameter(string Type, string Name);

    /// <summary>
    /// A static method of the kernels class. A loaded kernel is either explicitly grouped (launched with a
    /// <c>KernelConfig</c>, for tiles and reductions) or auto-grouped over an <c>Index1D</c> (element-wise); a helper
    /// (<see cref="ReturnType"/> set) is called from kernels and never loaded.
    /// </summary>
    private sealed class Kernel
    {
        public Kernel(string name, string summary, bool grouped, IReadOnlyList<Parameter> parameters, Action<CodeWriter> body, string? returnType = null)
        {
            Name = name;
            Summary = summary;
            Grouped = grouped;
            Parameters = parameters;
            Body = body;
            ReturnType = returnType;
        }

        public string Name { get; }
        public string Summary { get; }
        public bool Grouped { get; }
        public IReadOnlyList<Parameter> Parameters { get; }
        public Action<CodeWriter> Body { get; }
        public string? ReturnType { get; }
        public bool IsHelper => ReturnType is not null;

        /// <summary>The delegate type ILGPU's loader returns: the launch (config or extent), then the parameters.</summary>
        public string DelegateType => $"{N.Action}<{(Grouped ? N.KernelConfig : N.Index1D)}, {string.Join(", ", Parameters.Select(p => p.Type))}>";
    }

    private static Parameter Floats(string name) => new(N.FloatView, name);

    private static Parameter Ints(string name) => new(N.IntView, name);

    private static Parameter Doubles(string name) => new(N.DoubleView, name);

    private static Parameter Int(string name) => new("int", name);

    /// <summary>Every kernel of the network in execution order: each op's forward and backward kernels, the loss, the optimizers.</summary>
    private static List<Kernel> CollectKernels(NetworkPlan plan)
    {
        var kernels = new List<Kernel>();
        foreach (var op in plan.Ops)
        {
            switch (op)
            {
                case DenseOp dense: AddDenseKernels(kernels, plan, dense); break;
                case Conv2DOp conv: AddConvKernels(kernels, plan, conv); break;
                case PoolOp pool: AddPoolKernels(kernels, plan, pool); break;
                case DropoutOp dropout: AddDropoutKernels(kernels, plan, dropout); break;
                case BatchNormOp norm: AddBatchNormKernels(kernels, plan, norm); break;
                case ActivationOp activation: AddActivationKernels(kernels, plan, activation); break;
                case AddOp add: AddAddKernels(kernels, plan, add); break;
                case ConcatOp concat: AddConcatKernels(kernels, plan, concat); break;
                case RecurrentOp recurrent: AddRecurrentKernels(kernels, plan, recurrent); break;
            }
        }
        if (plan.IsTrainable)
        {
            AddLossKernels(kernels, plan);
            AddOptimizerKernels(kernels);
        }
        return kernels;
    }

    private static void WriteKernelMethod(CodeWriter w, Kernel kernel)
    {
        w.Line($"/// <summary>{CodeWriter.Xml(kernel.Summary)}</summary>");
        var parameters = kernel.Parameters.Select(p => $"{p.Type} {p.Name}").ToList();
        if (!kernel.IsHelper && !kernel.Grouped) parameters.Insert(0, $"{N.Index1D} index");
        string returns = kernel.ReturnType ?? "void";
        string header = $"public static {returns} {kernel.Name}({string.Join(", ", parameters)})";
        if (header.Length > 150)
        {
            w.Line($"public static {returns} {kernel.Name}(");
            for (int i = 0; i < parameters.Count; i++) w.Line("    " + parameters[i] + (i + 1 < parameters.Count ? "," : ")"));
        }
        else
        {
            w.Line(header);
        }
        w.Line("{");
        w.Indent();
        WriteBody(w, kernel.Body);
        w.Dedent();
        w.Line("}");
    }

    /// <summary>
    /// Writes a method body, keeping of its leading <c>const</c> declarations only the names the body uses (directly or
    /// through another kept constant), so that each op's shape constants can be declared as one block everywhere.
    /// </summary>
    private static void WriteBody(CodeWriter w, Action<CodeWriter> body)
    {
        var inner = new CodeWriter();
        body(inner);
        w.Lines(PruneConstants(inner.ToString()));
    }

    private static readonly Regex ConstantLine = new(@"^(\s*)const (int|long|float) (.+?);(\s*//.*)?$", RegexOptions.CultureInvariant);
    private static readonly Regex Declarator = new(@"(\w+) = ([^,]+)", RegexOptions.CultureInvariant);

    private static string PruneConstants(string text)
    {
        var lines = text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        var declarations = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = new System.Text.StringBuilder();
        foreach (string line in lines)
        {
            var match = ConstantLine.Match(line);
            if (!match.Success)
            {
                rest.Append(line).Append('\n');
                continue;
            }
            foreach (Match d in Declarator.Matches(match.Groups[3].Value)) declarations[d.Groups[1].Value] = d.Groups[2].Value;
        }
        string code = rest.ToString();
        var used = new HashSet<string>(declarations.Keys.Where(name => Uses(code, name)), StringComparer.Ordinal);
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (var name in declarations.Keys.Where(name => !used.Contains(name)).ToList())
            {
                if (!used.Any(other => Uses(declarations[other], name))) continue;
                used.Add(name);
                grew = true;
            }
        }
        var result = new System.Text.StringBuilder();
        foreach (string line in lines)
        {
            var match = ConstantLine.Match(line);
            if (!match.Success)
            {
                result.Append(line).Append('\n');
                continue;
            }
            var kept = Declarator.Matches(match.Groups[3].Value).Cast<Match>().Where(d => used.Contains(d.Groups[1].Value)).Select(d => d.Value.TrimEnd()).ToList();
            if (kept.Count == 0) continue;
            result.Append(match.Groups[1].Value).Append("const ").Append(match.Groups[2].Value).Append(' ').Append(string.Join(", ", kept)).Append(';')
                .Append(match.Groups[4].Value).Append('\n');
        }
        return result.ToString();
    }

    private static bool Uses(string code, string name) => Regex.IsMatch(code, @"\b" + name + @"\b", RegexOptions.CultureInvariant);

    /// <summary>
    /// An element-wise kernel over <paramref name="count"/> elements: <c>i</c> is the element, the body one or more
    /// statements.
    /// </summary>
    private static Kernel Elementwise(string name, string summary, IReadOnlyList<Parameter> parameters, params string[] body) =>
        new(name, summary, grouped: false, parameters, w =>
        {
            w.Line("int i = index.X;");
            foreach (string line in body) w.Lines(line);
        });

    /// <summary>
    /// A matrix product <c>C[rows, columns] = sum_k A[row, k] B[k, column]</c> as the kernel computes it. The loads are
    /// expressions of <c>m</c>/<c>n</c> and <c>k</c>; the store a statement of <c>m</c>, <c>n</c> and the sum.
    /// </summary>
    /// <param name="Rows">The number of output rows (an expression; may use <c>batch</c>).</param>
    /// <param name="Columns">The number of output columns.</param>
    /// <param name="Depth">The length of the sums.</param>
    /// <param name="LoadA">A[m, k].</param>
    /// <param name="AAlongDepth">Whether A's consecutive elements in memory run along k (else along m): consecutive threads load them.</param>
    /// <param name="LoadB">B[k, n].</param>
    /// <param name="BAlongColumns">Whether B's consecutive elements in memory run along n (else along k).</param>
    /// <param name="Store">The epilogue for one output; null when <see cref="TileEpilogue"/> writes the outputs.</param>
    /// <param name="DepthSlice">When positive, each group sums only its slice of the depth (split-K along the grid's third axis) of this length.</param>
    private sealed record Product(
        string Rows, string Columns, string Depth,
        Func<string, string, string> LoadA, bool AAlongDepth,
        Func<string, string, string> LoadB, bool BAlongColumns,
        Func<string, string, string, string>? Store, int DepthSlice = 0)
    {
        /// <summary>
        /// An epilogue over the whole tile instead of <see cref="Store"/>: the group's sums are first written to the shared
        /// <c>tileC[tileRows, Side]</c> (local row mm, local column nn at <c>mm * Side + nn</c>), then a barrier, then this
        /// code, which may combine several columns of a row (a recurrent cell reads the gate blocks of one hidden unit). It
        /// sees <c>tileC</c>, <c>row0</c>, <c>column0</c>, <c>rows</c>, <c>columns</c>, <c>tileRows</c>, <c>tileColumns</c>,
        /// <c>thread</c> and <c>threads</c>.
        /// </summary>
        public Action<CodeWriter>? TileEpilogue { get; init; }
    }

    /// <summary>The largest tile side: 16 threads of 4 outputs (the device's <c>TileThreads</c> is at most 16).</summary>
    private const int TileSide = 64;

    /// <summary>The depth staged in shared memory per step.</summary>
    private const int TileDepth = 16;

    /// <summary>
    /// Writes a tiled matrix product: each group computes a (4 x threads.y) x (4 x threads.x) tile of outputs, each
    /// thread 4 x 4 of them in registers; the depth advances 16 at a time through shared memory, A's slice stored
    /// transposed and padded by one column so that neither the stores nor the reads conflict on banks. The group shape
    /// comes from the launch (16 x 16 on a GPU, 4 x 4 on the CPU simulator), the shared arrays are sized for the largest.
    /// </summary>
    private static void WriteProduct(CodeWriter w, Product p)
    {
        w.Line($"const int Slice = {I(TileDepth)}, Side = {I(TileSide)}; // depth per stage; the largest tile side (16 threads x 4 outputs)");
        w.Line($"var tileA = {N.SharedMemory}.Allocate<float>(Slice * (Side + 1)); // [Slice, Side + 1]: A's slice, transposed and padded");
        w.Line($"var tileB = {N.SharedMemory}.Allocate<float>(Slice * Side); // [Slice, Side]: B's slice");
        if (p.TileEpilogue is not null) w.Line($"var tileC = {N.SharedMemory}.Allocate<float>(Side * Side); // [tileRows, Side]: the tile's sums, for the epilogue");
        w.Line($"int tx = {N.Group}.IdxX, ty = {N.Group}.IdxY, width = {N.Group}.DimX, height = {N.Group}.DimY;");
        w.Line("int thread = ty * width + tx, threads = width * height, tileRows = 4 * height, tileColumns = 4 * width;");
        w.Line($"int row0 = {N.Grid}.IdxY * tileRows, column0 = {N.Grid}.IdxX * tileColumns;");
        w.Line($"int rows = {p.Rows}, columns = {p.Columns};");
        if (p.DepthSlice > 0)
        {
            w.Line($"// Split-K: this group sums depth [{N.Grid}.IdxZ * {I(p.DepthSlice)}, + {I(p.DepthSlice)}) only.");
            w.Line($"int depthBegin = {N.Grid}.IdxZ * {I(p.DepthSlice)}, depthEnd = global::System.Math.Min({p.Depth}, depthBegin + {I(p.DepthSlice)});");
        }
        else
        {
            w.Line($"int depthBegin = 0, depthEnd = {p.Depth};");
        }
        for (int i = 0; i < 4; i++) w.Line("float " + string.Join(", ", Enumerable.Range(0, 4).Select(j => $"c{i}{j} = 0f")) + ";");
        using (w.Block("for (int k0 = depthBegin; k0 < depthEnd; k0 += Slice)"))
        {
            using (w.Block("for (int l = thread; l < tileRows * Slice; l += threads)"))
            {
                w.Line(p.AAlongDepth ? "int kk = l % Slice, mm = l / Slice;" : "int mm = l % tileRows, kk = l / tileRows;");
                w.Line("int m = row0 + mm, k = k0 + kk;");
                w.Line($"tileA[kk * (Side + 1) + mm] = m < rows && k < depthEnd ? {p.LoadA("m", "k")} : 0f;");
            }
            using (w.Block("for (int l = thread; l < Slice * tileColumns; l += threads)"))
            {
                w.Line(p.BAlongColumns ? "int nn = l % tileColumns, kk = l / tileColumns;" : "int kk = l % Slice, nn = l / Slice;");
                w.Line("int n = column0 + nn, k = k0 + kk;");
                w.Line($"tileB[kk * Side + nn] = n < columns && k < depthEnd ? {p.LoadB("k", "n")} : 0f;");
            }
            w.Line($"{N.Group}.Barrier();");
            using (w.Block("for (int kk = 0; kk < Slice; kk++)"))
            {
                w.Line("int a = kk * (Side + 1) + ty, b = kk * Side + tx;");
                w.Line("float a0 = tileA[a], a1 = tileA[a + height], a2 = tileA[a + 2 * height], a3 = tileA[a + 3 * height];");
                w.Line("float b0 = tileB[b], b1 = tileB[b + width], b2 = tileB[b + 2 * width], b3 = tileB[b + 3 * width];");
                for (int i = 0; i < 4; i++) w.Line(string.Join(" ", Enumerable.Range(0, 4).Select(j => $"c{i}{j} += a{i} * b{j};")));
            }
            w.Line($"{N.Group}.Barrier();");
        }
        if (p.TileEpilogue is not null)
        {
            w.Line("// Epilogue over the tile: this thread's sums (local rows ty + i * height, columns tx + j * width) to shared memory first.");
            for (int i = 0; i < 4; i++)
                w.Line(string.Join(" ", Enumerable.Range(0, 4).Select(j => $"tileC[(ty + {I(i)} * height) * Side + tx + {I(j)} * width] = c{i}{j};")));
            w.Line($"{N.Group}.Barrier();");
            p.TileEpilogue(w);
            return;
        }
        w.Line("// Epilogue: this thread holds rows row0 + ty + i * height and columns column0 + tx + j * width.");
        w.Line("int m0 = row0 + ty, m1 = m0 + height, m2 = m1 + height, m3 = m2 + height;");
        w.Line("int n0 = column0 + tx, n1 = n0 + width, n2 = n1 + width, n3 = n2 + width;");
        for (int i = 0; i < 4; i++)
        {
            using (w.Block($"if (m{i} < rows)"))
            {
                for (int j = 0; j < 4; j++) w.Line($"if (n{j} < columns) {p.Store!($"m{i}", $"n{j}", $"c{i}{j}")}");
            }
        }
    }

    /// <summary>A grouped kernel whose body is a tiled product.</summary>
    private static Kernel ProductKernel(string name, string summary, IReadOnlyList<Parameter> parameters, string constants, Product product) =>
        new(name, summary, grouped: true, parameters, w =>
        {
            if (constants.Length > 0) w.Lines(constants);
            WriteProduct(w, product);
        });

    /// <summary>
    /// A reduction kernel, one group per output: the group's threads stride over <paramref name="count"/> terms,
    /// a group reduction sums them, and the first thread adds the total to <paramref name="target"/>.
    /// </summary>
    /// <param name="output">Declares the group's output index from <c>GpuGrid.IdxX</c>, e.g. <c>int o = GpuGrid.IdxX</c>.</param>
    /// <param name="count">How many terms, e.g. <c>batch * P</c>.</param>
    /// <param name="term">The term for index <c>n</c>.</param>
    /// <param name="target">The element the total is added to.</param>
    private static Kernel GroupSumKernel(string name, string summary, IReadOnlyList<Parameter> parameters, string constants,
        string output, string count, string term, string target) =>
        new(name, summary, grouped: true, parameters, w =>
        {
            w.Lines(constants);
            w.Line($"var scratch = {N.SharedMemory}.Allocate<float>(256);");
            w.Line($"{output}, thread = {N.Group}.IdxX;");
            w.Line("float sum = 0f;");
            w.Line($"for (int n = thread; n < {count}; n += {N.Group}.DimX) sum += {term};");
            w.Line($"float total = {N.GroupReduce}.Sum(scratch, sum);");
            w.Line($"if (thread == 0) {target} += total;");
        });

    /// <summary>The host launch of a tiled product over <paramref name="rows"/> x <paramref name="columns"/> outputs.</summary>
    private static string TileLaunch(string rows, string columns, string? splits = null) =>
        splits is null ? $"TileLaunch({rows}, {columns})" : $"TileLaunch({rows}, {columns}, {splits})";
}
