using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

/// <summary>
/// Plain double-precision implementations of PyTorch's algorithms (the formulas of the <c>torch.optim</c> docs), one
/// element at a time. They are the truth the float SIMD optimizers are compared against. Like PyTorch they skip
/// tensors of frozen layers and keep a step count per tensor.
/// </summary>
internal abstract class ReferenceOptimizer
{
    private readonly long[] _steps;

    protected ReferenceOptimizer(FakeNetwork network)
    {
        Parameters = network.ParameterArray.Select(v => (double)v).ToArray();
        _steps = new long[network.Tensors.Count];
    }

    /// <summary>The parameters, laid out as the network's.</summary>
    public double[] Parameters { get; }

    /// <summary>State tensors by PyTorch's key, each laid out as the parameters.</summary>
    public Dictionary<string, double[]> State { get; } = new();

    public double LearningRate { get; set; }

    public long StepCount(FakeNetwork network, string tensorName) =>
        _steps[network.Tensors.ToList().FindIndex(t => t.Name == tensorName)];

    public void Step(FakeNetwork network)
    {
        for (int t = 0; t < network.Tensors.Count; t++)
        {
            TensorInfo tensor = network.Tensors[t];
            if (tensor.Kind != TensorKind.Parameter || !network.IsTrainable(tensor.LayerIndex)) continue;
            long step = ++_steps[t];
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
                Update(i, network.GradientArray[i], step);
        }
    }

    protected double[] Buffer(string key) => State[key] = new double[Parameters.Length];

    protected abstract void Update(int i, double g, long step);

    /// <summary>The reference for a runtime optimizer, with the same hyperparameters.</summary>
    public static ReferenceOptimizer For(Optimizer optimizer, FakeNetwork network) => optimizer switch
    {
        Sgd o => new ReferenceSgd(network, o.LearningRate, o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov),
        Adam o => new ReferenceAdam(network, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay, decoupled: false, o.AmsGrad),
        AdamW o => new ReferenceAdam(network, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay, decoupled: true, o.AmsGrad),
        RmsProp o => new ReferenceRmsProp(network, o.LearningRate, o.Alpha, o.Epsilon, o.WeightDecay, o.Momentum, o.Centered),
        _ => throw new ArgumentException($"No reference for {optimizer.Name}."),
    };
}

/// <summary>PyTorch's SGD algorithm box.</summary>
internal sealed class ReferenceSgd : ReferenceOptimizer
{
    private readonly double _momentum, _dampening, _weightDecay;
    private readonly bool _nesterov;
    private readonly double[] _buffer;

    public ReferenceSgd(FakeNetwork network, double lr, double momentum, double dampening, double weightDecay, bool nesterov)
        : base(network)
    {
        (LearningRate, _momentum, _dampening, _weightDecay, _nesterov) = (lr, momentum, dampening, weightDecay, nesterov);
        _buffer = momentum != 0 ? Buffer("momentum_buffer") : [];
    }

    protected override void Update(int i, double g, long step)
    {
        g += _weightDecay * Parameters[i];
        if (_momentum != 0)
        {
            _buffer[i] = step == 1 ? g : _momentum * _buffer[i] + (1 - _dampening) * g;
            g = _nesterov ? g + _momentum * _buffer[i] : _buffer[i];
        }
        Parameters[i] -= LearningRate * g;
    }
}

/// <summary>PyTorch's Adam and AdamW algorithm boxes.</summary>
internal sealed class ReferenceAdam : ReferenceOptimizer
{
    private readonly double _beta1, _beta2, _eps, _weightDecay;
    private readonly bool _decoupled, _amsgrad;
    private readonly double[] _m, _v, _vMax;

    public ReferenceAdam(FakeNetwork network, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool amsgrad)
        : base(network)
    {
        (LearningRate, _beta1, _beta2, _eps, _weightDecay, _decoupled, _amsgrad) = (lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad);
        _m = Buffer("exp_avg");
        _v = Buffer("exp_avg_sq");
        _vMax = amsgrad ? Buffer("max_exp_avg_sq") : [];
    }

    protected override void Update(int i, double g, long step)
    {
        if (_decoupled) Parameters[i] *= 1 - LearningRate * _weightDecay;
        else g += _weightDecay * Parameters[i];
        _m[i] = _beta1 * _m[i] + (1 - _beta1) * g;
        _v[i] = _beta2 * _v[i] + (1 - _beta2) * g * g;
        double second = _v[i];
        if (_amsgrad) second = _vMax[i] = Math.Max(_vMax[i], _v[i]);
        double mHat = _m[i] / (1 - Math.Pow(_beta1, step));
        double vHat = second / (1 - Math.Pow(_beta2, step));
        Parameters[i] -= LearningRate * mHat / (Math.Sqrt(vHat) + _eps);
    }
}

/// <summary>PyTorch's RMSprop algorithm box.</summary>
internal sealed class ReferenceRmsProp : ReferenceOptimizer
{
    private readonly double _alpha, _eps, _weightDecay, _momentum;
    private readonly bool _centered;
    private readonly double[] _square, _gradAvg, _buffer;

    public ReferenceRmsProp(FakeNetwork network, double lr, double alpha, double eps, double weightDecay, double momentum, bool centered)
        : base(network)
    {
        (LearningRate, _alpha, _eps, _weightDecay, _momentum, _centered) = (lr, alpha, eps, weightDecay, momentum, centered);
        _square = Buffer("square_avg");
        _gradAvg = centered ? Buffer("grad_avg") : [];
        _buffer = momentum > 0 ? Buffer("momentum_buffer") : [];
    }

    protected override void Update(int i, double g, long step)
    {
        g += _weightDecay * Parameters[i];
        _square[i] = _alpha * _square[i] + (1 - _alpha) * g * g;
        double variance = _square[i];
        if (_centered)
        {
            _gradAvg[i] = _alpha * _gradAvg[i] + (1 - _alpha) * g;
            variance -= _gradAvg[i] * _gradAvg[i];
        }
        double denominator = Math.Sqrt(variance) + _eps;
        if (_momentum > 0)
        {
            _buffer[i] = _momentum * _buffer[i] + g / denominator;
            Parameters[i] -= LearningRate * _buffer[i];
        }
        else
        {
            Parameters[i] -= LearningRate * g / denominator;
        }
    }
}
