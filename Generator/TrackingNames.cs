namespace Myelin.Generator;

/// <summary>The names of the pipeline's tracked steps, for incremental-caching tests.</summary>
internal static class TrackingNames
{
    /// <summary>[Network] classes parsed into specs (re-runs when the compilation changes; its output must compare equal).</summary>
    public const string Parse = "Myelin.Parse";

    /// <summary>Specs planned into shapes, offsets and fusion groups.</summary>
    public const string Plan = "Myelin.Plan";

    /// <summary>The diagnostics of each network.</summary>
    public const string Diagnostics = "Myelin.Diagnostics";

    /// <summary>Plans emitted as CPU source.</summary>
    public const string EmitCpu = "Myelin.EmitCpu";

    /// <summary>Plans emitted as GPU source (no source unless the compilation references Myelin.Gpu).</summary>
    public const string EmitGpu = "Myelin.EmitGpu";

    /// <summary>The int8 decisions of the networks that ask for them (<c>Int8 = true</c>), and their diagnostics.</summary>
    public const string PlanInt8 = "Myelin.PlanInt8";

    /// <summary>The int8 diagnostics, on their own output.</summary>
    public const string Int8Diagnostics = "Myelin.Int8Diagnostics";

    /// <summary>Int8 plans emitted as the nested int8 class.</summary>
    public const string EmitInt8 = "Myelin.EmitInt8";
}
