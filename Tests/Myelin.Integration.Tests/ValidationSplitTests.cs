using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;

namespace Myelin.Integration.Tests;

/// <summary>FitOptions.ValidationSplit on class-sorted data, as most public CSV files are.</summary>
public class ValidationSplitTests
{
    /// <summary>The clusters sorted by class: every sample of class 0, then class 1, ...</summary>
    private static Dataset SortedByClass(Dataset data)
    {
        var order = Enumerable.Range(0, data.Count).OrderBy(i => data.Label(i)).ThenBy(i => i).ToArray();
        return data.Subset(order);
    }

    [Fact]
    public void A_validation_split_of_class_sorted_data_validates_on_every_class_and_learns_them()
    {
        var data = SortedByClass(SyntheticData.Clusters(400, seed: 2));
        var net = new ClusterNet(seed: 1);
        var accuracy = new RecordValidation();

        // A tail split would hold out only the last class: the network would be scored on a class it never saw.
        net.Fit(data, new FitOptions { Epochs = 20, BatchSize = 32, Seed = 5, ValidationSplit = 0.25, Optimizer = new Adam(1e-2), Callbacks = [accuracy] });

        Assert.True(accuracy.Last > 0.9, $"validation accuracy {accuracy.Last:P1}: the held-out part does not come from the classes trained on");
    }

    [Fact]
    public void The_same_fit_seed_holds_out_the_same_samples()
    {
        var data = SortedByClass(SyntheticData.Clusters(200, seed: 3));
        double Run()
        {
            var net = new ClusterNet(seed: 4);
            var history = net.Fit(data, new FitOptions { Epochs = 2, BatchSize = 16, Seed = 9, ValidationSplit = 0.2 });
            return history.Last.ValidationLoss;
        }
        Assert.Equal(Run(), Run());
    }

    private sealed class RecordValidation : Callback
    {
        public double Last { get; private set; }

        public override void OnEpochEnd(EpochResult result, TrainingContext context) => Last = result["val_accuracy"];
    }
}

/// <summary>A plain MLP for the 20-feature, 4-class clusters.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(20)]
[Dense(16, Activation.ReLU)]
[Dense(4)]
public partial class ClusterNet;
