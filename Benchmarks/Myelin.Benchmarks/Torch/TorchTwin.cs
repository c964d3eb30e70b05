using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Myelin.Benchmarks.Torch;

/// <summary>
/// A TorchSharp copy of a Myelin network, with its own Adam and cross-entropy loss and one fixed input batch: the
/// TorchSharp side of every comparison. It starts from the Myelin network's initial weights.
/// </summary>
internal sealed class TorchTwin : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Adam _optimizer;
    private readonly CrossEntropyLoss _loss = nn.CrossEntropyLoss();
    private readonly Tensor _inputs; // [batch, ...input shape], float32
    private readonly Tensor _labels; // [batch], int64 class indices

    /// <summary>Builds the twin and copies <paramref name="weightsFrom"/>'s parameters into <paramref name="model"/> by name.</summary>
    /// <param name="model">The TorchSharp network, with Myelin's layer names.</param>
    /// <param name="weightsFrom">The Myelin network whose parameters the twin starts from.</param>
    /// <param name="inputs">At least <paramref name="batchSize"/> samples of <c>weightsFrom.InputSize</c> floats.</param>
    /// <param name="labels">At least <paramref name="batchSize"/> class indices.</param>
    /// <param name="batchSize">The batch every call of <see cref="TrainStep"/> and <see cref="Infer"/> runs.</param>
    public TorchTwin(nn.Module<Tensor, Tensor> model, INetwork weightsFrom, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize)
    {
        _model = model;
        BatchSize = batchSize;
        CopyParameters(weightsFrom, model);
        _optimizer = optim.Adam(model.parameters(), lr: 1e-3);

        long[] inputShape = [batchSize, .. weightsFrom.InputShape.Select(d => (long)d)];
        _inputs = tensor(inputs[..(batchSize * weightsFrom.InputSize)].ToArray(), inputShape, ScalarType.Float32);
        long[] classIndices = new long[batchSize];
        for (int i = 0; i < batchSize; i++) classIndices[i] = labels[i];
        _labels = tensor(classIndices, [batchSize], ScalarType.Int64);
    }

    /// <summary>The batch size of the fixed input.</summary>
    public int BatchSize { get; }

    /// <summary>The TorchSharp network.</summary>
    public nn.Module<Tensor, Tensor> Model => _model;

    /// <summary>
    /// One training step as a PyTorch loop writes it: <c>zero_grad</c>, forward, cross-entropy (batch mean), backward,
    /// <c>Adam.step</c>. The dispose scope frees every tensor the step creates.
    /// </summary>
    /// <returns>The loss, as Myelin's <c>ForwardBackward</c> returns it.</returns>
    public float TrainStep()
    {
        using DisposeScope scope = NewDisposeScope();
        _optimizer.zero_grad();
        Tensor logits = _model.forward(_inputs);
        Tensor loss = _loss.forward(logits, _labels);
        loss.backward();
        _optimizer.step();
        return loss.ToSingle();
    }

    /// <summary>
    /// Forward only, in eval mode (<c>model.eval()</c>: batch norm uses its running statistics) and without autograd,
    /// into <paramref name="outputs"/> (<c>batch * 10</c> logits), as Myelin's <c>Forward</c> writes its outputs with
    /// <c>IsTraining</c> false. The model goes back to training mode afterwards.
    /// </summary>
    public void Infer(Span<float> outputs)
    {
        using DisposeScope scope = NewDisposeScope();
        using IDisposable noGrad = no_grad();
        _model.eval();
        Tensor logits = _model.forward(_inputs);
        _model.train();
        logits.data<float>().CopyTo(outputs);
    }

    /// <summary>Forward, loss and backward only, leaving the gradients in each parameter's <c>grad</c> for the guard.</summary>
    public float ForwardBackward()
    {
        using DisposeScope scope = NewDisposeScope();
        _optimizer.zero_grad();
        Tensor loss = _loss.forward(_model.forward(_inputs), _labels);
        loss.backward();
        return loss.ToSingle();
    }

    /// <summary>Clears the gradients <see cref="ForwardBackward"/> left.</summary>
    public void ZeroGradients() => _optimizer.zero_grad();

    /// <inheritdoc />
    public void Dispose()
    {
        _inputs.Dispose();
        _labels.Dispose();
        _optimizer.Dispose();
        _loss.Dispose();
        _model.Dispose();
    }

    // Both sides use PyTorch's names and layouts, so each TorchSharp parameter takes the Myelin tensor of the same name.
    // Any mismatch in names, count or shape means the two networks are not the same architecture.
    private static void CopyParameters(INetwork source, nn.Module<Tensor, Tensor> target)
    {
        Dictionary<string, TensorInfo> myelin = source.Tensors.Where(t => t.Kind == TensorKind.Parameter).ToDictionary(t => t.Name);
        var copied = new HashSet<string>();
        using IDisposable noGrad = no_grad();
        foreach ((string name, Parameter parameter) in target.named_parameters())
        {
            if (!myelin.TryGetValue(name, out TensorInfo? info))
                throw new InvalidOperationException($"The TorchSharp network has parameter '{name}', which the Myelin network does not have (it has {string.Join(", ", myelin.Keys)}).");
            long[] shape = info.Shape.Select(d => (long)d).ToArray();
            if (!parameter.shape.SequenceEqual(shape))
                throw new InvalidOperationException($"Parameter '{name}' is [{string.Join(", ", parameter.shape)}] in TorchSharp but {info.ShapeText} in Myelin.");
            using Tensor values = tensor(source.Parameters.Slice(info.Offset, info.Length).ToArray(), shape, ScalarType.Float32);
            parameter.copy_(values);
            copied.Add(name);
        }
        string[] missing = myelin.Keys.Where(name => !copied.Contains(name)).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException($"The TorchSharp network lacks the Myelin parameters {string.Join(", ", missing)}.");
    }
}
