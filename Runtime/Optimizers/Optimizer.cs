using System;
using System.Collections.Generic;
using System.Globalization;

namespace Myelin.Optimizers;

/// <summary>
/// What every Myelin optimizer shares, as <c>torch.optim.Optimizer</c> does: binding to a network's parameter table,
/// a step count per parameter tensor, skipping frozen layers, lazily allocated state, and checkpoint state.
/// </summary>
/// <remarks>
/// <para>
/// The first <see cref="Step"/> (or <see cref="Attach"/>) binds the optimizer to the network: it records every
/// <see cref="TensorKind.Parameter"/> row of <see cref="INetwork.Tensors"/> and allocates each state buffer (moments,
/// momentum buffers) as one float array as long as <see cref="INetwork.Parameters"/> and laid out the same way, so
/// <c>dense1.weight</c>'s <c>exp_avg</c> sits at <c>dense1.weight</c>'s offset. Later steps allocate nothing. One
/// optimizer serves one parameter layout: a network with a different parameter count throws.
/// </para>
/// <para>
/// Each step updates the tensors of trainable layers only. A frozen layer's tensors are skipped entirely (no update, no
/// weight decay, no moment update, and their step count does not advance), as PyTorch skips parameters whose gradient
/// is <c>None</c>. Step counts are kept per tensor, as PyTorch's <c>state['step']</c>, so Adam's bias correction for a
/// layer unfrozen late starts from that layer's own first step.
/// </para>
/// <para>
/// The arithmetic is done in float, as PyTorch does for float32 parameters, with each scalar coefficient (such as
/// <c>1 - beta2</c> or <c>lr / bias_correction1</c>) computed in double first and then rounded to float.
/// </para>
/// </remarks>
public abstract class Optimizer : IOptimizer
{
    private const string StepKey = "step";
    private const string LearningRateKey = "lr";

    // Step counts are saved as doubles; beyond 2^53 they would no longer be exact.
    private const double MaxExactStep = 9007199254740992.0;

    private readonly string[] _stateKeys;
    private double _learningRate;
    private Binding? _binding;
    private OptimizerState? _pendingState;

    /// <param name="name">The name written to <see cref="OptimizerState.Optimizer"/>.</param>
    /// <param name="lr">The learning rate, validated.</param>
    /// <param name="stateKeys">PyTorch's per-parameter state keys this optimizer keeps (at most three), e.g. <c>exp_avg</c>.</param>
    private protected Optimizer(string name, double lr, string[] stateKeys)
    {
        if (stateKeys.Length > 3) throw new ArgumentException("An optimizer keeps at most three state streams.", nameof(stateKeys));
        Name = name;
        _learningRate = Hyperparameter.NonNegative(lr, nameof(lr));
        _stateKeys = stateKeys;
    }

    /// <summary>The optimizer's name as saved in its state, e.g. <c>Adam</c>.</summary>
    public string Name { get; }

    /// <summary>The current learning rate, a finite number ≥ 0. Schedules change it between steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = Hyperparameter.NonNegative(value, nameof(LearningRate));
    }

    /// <summary>Whether the optimizer has bound to a network's parameter table and allocated its state.</summary>
    public bool IsAttached => _binding is not null;

    /// <summary>
    /// Binds to <paramref name="network"/>'s parameter table and allocates the state, as the first <see cref="Step"/>
    /// does. Calling it before <see cref="SetState"/> makes that call validate the state at once; it does nothing when
    /// the optimizer is already bound to a network of the same layout.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer is bound to a network with a different parameter count,
    /// a parameter tensor lies outside <see cref="INetwork.Parameters"/>, or state given to <see cref="SetState"/>
    /// earlier does not fit this network.</exception>
    public void Attach(ITrainableNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Bind(network);
    }

    /// <summary>
    /// Applies one update to every parameter tensor of a trainable layer, from <see cref="ITrainableNetwork.Gradients"/>.
    /// Allocates nothing after the first call for a network.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network's parameter count differs from the first network's, or its
    /// gradient buffer is not as long as its parameter buffer.</exception>
    public void Step(ITrainableNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Binding binding = Bind(network);
        if (network is IDeviceTrainableNetwork device)
        {
            StepOnDevice(device, binding);
            return;
        }
        if (binding.Device is not null) MoveStateToHost(binding);
        Span<float> parameters = network.Parameters;
        Span<float> gradients = network.Gradients;
        if (gradients.Length != parameters.Length)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{Name}: {network.GetType().Name}.Gradients has {gradients.Length} floats, but its Parameters has {parameters.Length}; they must be laid out alike."));

        ParameterSlot[] slots = binding.Slots;
        for (int t = 0; t < slots.Length; t++)
        {
            ParameterSlot slot = slots[t];
            if (!network.IsTrainable(slot.LayerIndex)) continue;
            long step = ++binding.Steps[t];
            Update(
                parameters.Slice(slot.Offset, slot.Length),
                gradients.Slice(slot.Offset, slot.Length),
                binding.StateSlice(0, slot),
                binding.StateSlice(1, slot),
                binding.StateSlice(2, slot),
                step);
        }
    }

    /// <summary>
    /// A copy of the state: tensors <c>{param}.{key}</c> for each of this optimizer's PyTorch state keys, scalars
    /// <c>{param}.step</c>, <c>lr</c> and the other hyperparameters. Before the first step it holds the hyperparameters
    /// only (or the state given to <see cref="SetState"/>, if any).
    /// </summary>
    public OptimizerState GetState()
    {
        var scalars = HyperparameterScalars();
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (_binding is { } binding)
        {
            if (binding.Device is not null) ReadDeviceState(binding);
            for (int t = 0; t < binding.Slots.Length; t++)
            {
                ParameterSlot slot = binding.Slots[t];
                scalars[StateName(slot.Name, StepKey)] = binding.Steps[t];
                for (int k = 0; k < _stateKeys.Length; k++)
                    tensors[StateName(slot.Name, _stateKeys[k])] = binding.StateSlice(k, slot).ToArray();
            }
        }
        else if (_pendingState is { } pending)
        {
            foreach (var (key, value) in pending.Scalars)
                scalars.TryAdd(key, value);
            foreach (var (key, value) in pending.Tensors)
                tensors[key] = (float[])value.Clone();
        }
        return new OptimizerState(Name, tensors, scalars);
    }

    /// <summary>
    /// Restores state saved by <see cref="GetState"/>: the learning rate, every step count and state tensor. The other
    /// hyperparameters must equal this optimizer's. Before the optimizer is bound to a network the state is kept and
    /// checked against the parameter table when it binds (call <see cref="Attach"/> first to have it checked now).
    /// </summary>
    /// <exception cref="ArgumentException">The state is for another optimizer, or an entry is missing, unexpected, the
    /// wrong length or has the wrong value; the message names the entry and the expected and actual values.</exception>
    public void SetState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Tensors is null || state.Scalars is null)
            throw new ArgumentException($"{Name} state must have both a tensor and a scalar dictionary.", nameof(state));
        if (!string.Equals(state.Optimizer, Name, StringComparison.Ordinal))
            throw new ArgumentException($"The state is for the {state.Optimizer} optimizer, but this optimizer is {Name}.", nameof(state));

        string? problem = FindHyperparameterProblem(state, out double learningRate);
        if (_binding is { } binding) problem ??= FindLayoutProblem(binding, state);
        if (problem is not null) throw new ArgumentException(problem, nameof(state));

        _learningRate = learningRate;
        if (_binding is null)
        {
            _pendingState = DeepCopy(state);
            return;
        }
        Restore(_binding, state);
    }

    /// <summary>Updates one tensor; the state spans are this optimizer's streams in the order of its state keys, empty past them.</summary>
    private protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients,
        Span<float> state0, Span<float> state1, Span<float> state2, long step);

    /// <summary>Adds every hyperparameter except the learning rate, with PyTorch's names (booleans as 0 and 1).</summary>
    private protected abstract void AddHyperparameters(Dictionary<string, double> scalars);

    /// <summary>
    /// One step of a network whose parameters live on an accelerator: the state moves to that device on the first step
    /// (and back, should the optimizer later step another network), then each run of consecutive tensors of trained
    /// layers with equal step counts is updated by one device launch. Nothing crosses to the host.
    /// </summary>
    private void StepOnDevice(IDeviceTrainableNetwork device, Binding binding)
    {
        if (!ReferenceEquals(binding.Device, device))
        {
            if (binding.Device is not null) MoveStateToHost(binding);
            IDeviceOptimizerState deviceState = device.CreateOptimizerState(binding.State.Length);
            for (int k = 0; k < binding.State.Length; k++) deviceState.Write(k, binding.State[k]);
            binding.Device = device;
            binding.DeviceState = deviceState;
        }

        ParameterSlot[] slots = binding.Slots;
        int t = 0;
        while (t < slots.Length)
        {
            if (!device.IsTrainable(slots[t].LayerIndex))
            {
                t++;
                continue;
            }
            long step = ++binding.Steps[t];
            int start = slots[t].Offset, end = start + slots[t].Length;
            int next = t + 1;
            while (next < slots.Length && slots[next].Offset == end && device.IsTrainable(slots[next].LayerIndex) && binding.Steps[next] + 1 == step)
            {
                binding.Steps[next] = step;
                end += slots[next].Length;
                next++;
            }
            DeviceOptimizerStep coefficients = DescribeDeviceStep(step);
            device.ApplyOptimizerStep(coefficients, binding.DeviceState!, start, end - start);
            t = next;
        }
    }

    /// <summary>Brings the state from the device it lives on back into the host arrays and frees the device copy.</summary>
    private static void MoveStateToHost(Binding binding)
    {
        ReadDeviceState(binding);
        binding.DeviceState!.Dispose();
        binding.Device = null;
        binding.DeviceState = null;
    }

    private static void ReadDeviceState(Binding binding)
    {
        for (int k = 0; k < binding.State.Length; k++) binding.DeviceState!.Read(k, binding.State[k]);
    }

    /// <summary>
    /// The coefficients of this optimizer's update at a tensor's step <paramref name="step"/>, rounded to float as the
    /// CPU updates (<c>SgdUpdate</c>, <c>AdamUpdate</c>, <c>RmsPropUpdate</c>) round them.
    /// </summary>
    private DeviceOptimizerStep DescribeDeviceStep(long step)
    {
        switch (this)
        {
            case Sgd sgd:
                return new DeviceOptimizerStep
                {
                    Kind = DeviceOptimizerKind.Sgd,
                    NegativeLearningRate = (float)-LearningRate,
                    WeightDecay = (float)sgd.WeightDecay,
                    L2 = sgd.WeightDecay != 0 ? 1 : 0,
                    UseMomentum = sgd.Momentum != 0 ? 1 : 0,
                    FirstStep = step == 1 ? 1 : 0,
                    Momentum = (float)sgd.Momentum,
                    OneMinusDampening = (float)(1 - sgd.Dampening),
                    Nesterov = sgd.Nesterov ? 1 : 0,
                };
            case AdamBase adam:
                bool decay = adam.WeightDecay != 0, decoupled = adam is AdamW;
                float adamLerp = (float)(1 - adam.Beta1);
                return new DeviceOptimizerStep
                {
                    Kind = DeviceOptimizerKind.Adam,
                    NegativeLearningRate = (float)-(LearningRate / (1 - Math.Pow(adam.Beta1, step))),
                    WeightDecay = (float)adam.WeightDecay,
                    L2 = decay && !decoupled ? 1 : 0,
                    Decoupled = decay && decoupled ? 1 : 0,
                    DecayFactor = (float)(1 - LearningRate * adam.WeightDecay),
                    LerpWeight = adamLerp,
                    OneMinusLerpWeight = 1f - adamLerp,
                    LerpFromStart = MathF.Abs(adamLerp) < 0.5f ? 1 : 0,
                    Decay2 = (float)adam.Beta2,
                    OneMinusDecay2 = (float)(1 - adam.Beta2),
                    AmsGrad = adam.AmsGrad ? 1 : 0,
                    BiasCorrection2Sqrt = (float)Math.Sqrt(1 - Math.Pow(adam.Beta2, step)),
                    Epsilon = (float)adam.Epsilon,
                };
            case RmsProp rms:
                float rmsLerp = (float)(1 - rms.Alpha);
                return new DeviceOptimizerStep
                {
                    Kind = DeviceOptimizerKind.RmsProp,
                    NegativeLearningRate = (float)-LearningRate,
                    WeightDecay = (float)rms.WeightDecay,
                    L2 = rms.WeightDecay != 0 ? 1 : 0,
                    Decay2 = (float)rms.Alpha,
                    OneMinusDecay2 = (float)(1 - rms.Alpha),
                    Centered = rms.Centered ? 1 : 0,
                    LerpWeight = rmsLerp,
                    OneMinusLerpWeight = 1f - rmsLerp,
                    LerpFromStart = MathF.Abs(rmsLerp) < 0.5f ? 1 : 0,
                    UseMomentum = rms.Momentum > 0 ? 1 : 0,
                    Momentum = (float)rms.Momentum,
                    Epsilon = (float)rms.Epsilon,
                };
            default:
                // Unreachable: the constructor is private protected, so every optimizer is one of the cases above.
                throw new NotSupportedException($"{Name} has no device update.");
        }
    }

    private Binding Bind(ITrainableNetwork network)
    {
        int parameterCount = network.Parameters.Length;
        IReadOnlyList<TensorInfo> tensors = network.Tensors;
        if (_binding is { } bound)
        {
            if (bound.ParameterCount != parameterCount || bound.TensorCount != tensors.Count)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{Name} was first used with a network of {bound.ParameterCount} parameters in {bound.TensorCount} tensors, but {network.GetType().Name} has {parameterCount} parameters in {tensors.Count} tensors. Use one optimizer per network."));
            return bound;
        }

        var slots = new List<ParameterSlot>();
        for (int i = 0; i < tensors.Count; i++)
        {
            TensorInfo tensor = tensors[i];
            if (tensor.Kind != TensorKind.Parameter) continue;
            if (tensor.Offset < 0 || tensor.Length < 0 || tensor.Offset > parameterCount - tensor.Length)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{network.GetType().Name}: parameter tensor '{tensor.Name}' {tensor.ShapeText} at offset {tensor.Offset} does not fit in Parameters of {parameterCount} floats."));
            slots.Add(new ParameterSlot(tensor.Name, tensor.LayerIndex, tensor.Offset, tensor.Length));
        }

        var state = new float[_stateKeys.Length][];
        for (int k = 0; k < state.Length; k++) state[k] = new float[parameterCount];
        var binding = new Binding(slots.ToArray(), new long[slots.Count], state, parameterCount, tensors.Count);

        if (_pendingState is { } pending)
        {
            string? problem = FindLayoutProblem(binding, pending);
            if (problem is not null)
                throw new InvalidOperationException($"The state given to SetState does not fit {network.GetType().Name}: {problem}");
            Restore(binding, pending);
            _pendingState = null;
        }
        _binding = binding;
        return binding;
    }

    private Dictionary<string, double> HyperparameterScalars()
    {
        var scalars = new Dictionary<string, double>(StringComparer.Ordinal) { [LearningRateKey] = _learningRate };
        AddHyperparameters(scalars);
        return scalars;
    }

    private string? FindHyperparameterProblem(OptimizerState state, out double learningRate)
    {
        learningRate = 0;
        foreach (var (key, expected) in HyperparameterScalars())
        {
            if (!state.Scalars.TryGetValue(key, out double actual))
                return $"{Name} state has no scalar '{key}'.";
            if (key == LearningRateKey)
            {
                if (!(actual >= 0) || double.IsPositiveInfinity(actual))
                    return $"{Name} state has lr = {Hyperparameter.Format(actual)}, but a learning rate must be a finite number >= 0.";
                learningRate = actual;
            }
            else if (!actual.Equals(expected))
            {
                return $"{Name} state has {key} = {Hyperparameter.Format(actual)}, but this optimizer was built with {key} = {Hyperparameter.Format(expected)}.";
            }
        }
        return null;
    }

    /// <summary>Checks that the state has exactly the step counts and state tensors of the bound parameter table.</summary>
    private string? FindLayoutProblem(Binding binding, OptimizerState state)
    {
        var expectedScalars = new HashSet<string>(HyperparameterScalars().Keys, StringComparer.Ordinal);
        var expectedTensors = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterSlot slot in binding.Slots)
        {
            string stepName = StateName(slot.Name, StepKey);
            expectedScalars.Add(stepName);
            if (!state.Scalars.TryGetValue(stepName, out double step))
                return $"{Name} state has no scalar '{stepName}' (the step count of parameter tensor '{slot.Name}').";
            if (!(step >= 0 && step <= MaxExactStep && step == Math.Floor(step)))
                return $"{Name} state has {stepName} = {Hyperparameter.Format(step)}, but a step count must be a whole number >= 0.";

            foreach (string key in _stateKeys)
            {
                string tensorName = StateName(slot.Name, key);
                expectedTensors.Add(tensorName);
                if (!state.Tensors.TryGetValue(tensorName, out float[]? values) || values is null)
                    return $"{Name} state has no tensor '{tensorName}' (the {key} of parameter tensor '{slot.Name}').";
                if (values.Length != slot.Length)
                    return string.Create(CultureInfo.InvariantCulture,
                        $"{Name} state tensor '{tensorName}' has {values.Length} floats, but parameter tensor '{slot.Name}' has {slot.Length}.");
            }
        }

        foreach (string key in state.Scalars.Keys)
        {
            if (!expectedScalars.Contains(key))
                return $"{Name} state has an unexpected scalar '{key}'; it keeps lr, its hyperparameters and a step count per parameter tensor of this network.";
        }
        foreach (string key in state.Tensors.Keys)
        {
            if (!expectedTensors.Contains(key))
                return _stateKeys.Length == 0
                    ? $"{Name} state has an unexpected tensor '{key}'; with these hyperparameters it keeps no state tensors."
                    : $"{Name} state has an unexpected tensor '{key}'; it keeps {string.Join(", ", _stateKeys)} for each parameter tensor of this network.";
        }
        return null;
    }

    private void Restore(Binding binding, OptimizerState state)
    {
        for (int t = 0; t < binding.Slots.Length; t++)
        {
            ParameterSlot slot = binding.Slots[t];
            binding.Steps[t] = (long)state.Scalars[StateName(slot.Name, StepKey)];
            for (int k = 0; k < _stateKeys.Length; k++)
                state.Tensors[StateName(slot.Name, _stateKeys[k])].CopyTo(binding.StateSlice(k, slot));
        }
        if (binding.DeviceState is { } deviceState)
        {
            for (int k = 0; k < binding.State.Length; k++) deviceState.Write(k, binding.State[k]);
        }
    }

    private static OptimizerState DeepCopy(OptimizerState state)
    {
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, value) in state.Tensors) tensors[key] = (float[])value.Clone();
        return new OptimizerState(state.Optimizer, tensors, new Dictionary<string, double>(state.Scalars, StringComparer.Ordinal));
    }

    private static string StateName(string parameter, string key) => parameter + "." + key;

    /// <summary>A parameter tensor of the bound network: where it lives in the flat buffers, and its layer.</summary>
    private readonly record struct ParameterSlot(string Name, int LayerIndex, int Offset, int Length);

    /// <summary>The state allocated for one parameter layout.</summary>
    /// <param name="Slots">The parameter tensors, in table order.</param>
    /// <param name="Steps">Per tensor: how many updates it has had.</param>
    /// <param name="State">Per state key: one buffer laid out as <see cref="INetwork.Parameters"/>.</param>
    /// <param name="ParameterCount">The length of <see cref="INetwork.Parameters"/>.</param>
    /// <param name="TensorCount">The number of rows in <see cref="INetwork.Tensors"/>.</param>
    /// <remarks>
    /// When the optimizer steps a device network, <see cref="DeviceState"/> holds the authoritative state on that
    /// network's device and <see cref="State"/> is only its host copy, refreshed for <see cref="GetState"/>.
    /// </remarks>
    private sealed record Binding(ParameterSlot[] Slots, long[] Steps, float[][] State, int ParameterCount, int TensorCount)
    {
        /// <summary>The device network whose memory holds the state, or null while the state is on the host.</summary>
        public IDeviceTrainableNetwork? Device { get; set; }

        /// <summary>The state on <see cref="Device"/>.</summary>
        public IDeviceOptimizerState? DeviceState { get; set; }

        public Span<float> StateSlice(int stream, ParameterSlot slot) =>
            stream < State.Length ? State[stream].AsSpan(slot.Offset, slot.Length) : Span<float>.Empty;
    }
}
