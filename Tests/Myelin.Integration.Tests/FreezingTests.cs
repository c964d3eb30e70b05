using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

public sealed class FreezingTests
{
    [Fact]
    public void A_frozen_layer_keeps_its_weights_through_training_and_the_others_learn()
    {
        var data = SyntheticData.Clusters(200, seed: 1);
        var net = new NoisyClassifier(seed: 2);
        net.Freeze("hidden");
        var hiddenBefore = net.HiddenWeight.ToArray();
        var headBefore = net.HeadWeight.ToArray();

        net.Fit(data, new FitOptions { Epochs = 2, BatchSize = 20, Optimizer = new AdamW(1e-2, weightDecay: 0.1) });

        // Not even weight decay touches a frozen tensor, as PyTorch skips parameters without gradients.
        Assert.Equal(hiddenBefore, net.HiddenWeight.ToArray());
        Assert.NotEqual(headBefore, net.HeadWeight.ToArray());
        Assert.Equal(4 * 32 + 4 + 2 * 32, net.TrainableParameterCount());
    }

    [Fact]
    public void The_backward_pass_writes_no_gradient_for_a_frozen_layer()
    {
        var data = SyntheticData.Clusters(16, seed: 1);
        var net = new NoisyClassifier(seed: 2, maxBatchSize: 16);
        net.ForwardBackward(data.Features, data.Labels, 16);
        Assert.Contains(net.HiddenWeightGradient.ToArray(), g => g != 0f);

        net.Freeze("hidden");
        net.ForwardBackward(data.Features, data.Labels, 16);

        Assert.All(net.HiddenWeightGradient.ToArray(), g => Assert.Equal(0f, g));
        Assert.All(net.HiddenBiasGradient.ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(net.HeadWeightGradient.ToArray(), g => g != 0f);
    }

    [Fact]
    public void Freezing_all_but_the_last_layer_trains_only_the_head_and_unfreezing_restores_gradients()
    {
        var data = SyntheticData.Clusters(16, seed: 1);
        var net = new NoisyClassifier(seed: 2, maxBatchSize: 16);
        net.FreezeAllButLast(1);
        Assert.False(net.IsTrainable(net.LayerIndex("hidden")));
        Assert.False(net.IsTrainable(net.LayerIndex("bn1")));
        Assert.True(net.IsTrainable(net.LayerIndex("head")));

        net.UnfreezeAll();
        net.ForwardBackward(data.Features, data.Labels, 16);
        Assert.Contains(net.HiddenWeightGradient.ToArray(), g => g != 0f);
    }

    [Fact]
    public void Freezing_an_unknown_layer_names_the_layers_there_are()
    {
        var net = new NoisyClassifier();
        var error = Assert.Throws<ArgumentException>(() => net.Freeze("dense9"));
        Assert.Contains("'dense9'", error.Message);
        Assert.Contains("hidden, bn1, relu1, dropout1, head", error.Message);
    }
}
