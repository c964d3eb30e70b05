using Myelin.Generator.Tests.Reference;

namespace Myelin.Generator.Tests.Numerics;

/// <summary>
/// A loss that absorbs an activation reading the network's input directly (<c>[Input(4)] [Sigmoid]</c> with binary
/// cross-entropy, <c>[Softmax]</c> with cross-entropy): the loss's own gradient, probabilities minus targets, is the
/// input gradient, and <c>ForwardBackward(..., inputGradient)</c> must write it.
/// </summary>
public sealed class AbsorbedInputGradientTests
{
    private const string Namespace = "Numerics.AbsorbedInput";

    private static readonly RefNetwork[] Networks =
    {
        new("SigmoidOfInput", Loss.BinaryCrossEntropy, new[] { 4 }, new RefLayer[] { new RefActivation(Activation.Sigmoid) }),
        new("SoftmaxOfInput", Loss.SoftmaxCrossEntropy, new[] { 4 }, new RefLayer[] { new RefActivation(Activation.Softmax) }),
    };

    [Fact]
    public void The_input_gradient_of_a_loss_that_absorbs_an_activation_of_the_input_is_the_loss_gradient()
    {
        var failures = new List<string>();
        var assemblies = GeneratedComparison.CompileAll(Namespace, Networks, failures);
        for (int i = 0; i < Networks.Length; i++)
        {
            if (!assemblies.TryGetValue(Networks[i].ClassName, out var assembly)) continue;
            GeneratedComparison.Compare(assembly(), Namespace, new ComparisonCase(Networks[i], 90_000 + i, 3, Training: false, InputGradient: true), failures);
        }
        Assert.True(failures.Count == 0, GeneratedComparison.Report("Absorbed activations of the input", failures, Networks.Length));
    }
}
