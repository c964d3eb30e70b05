using System.Globalization;
using Myelin;
using Myelin.Data;
using Myelin.Optimizers;
using Myelin.Training;

// Three blobs of 100 points each, one per class, centred at (-3, 0), (3, 0) and (0, 4) with a spread of +-0.5.
float[][] centres = [[-3f, 0f], [3f, 0f], [0f, 4f]];
const int Count = 300;
var random = new Random(1);
var features = new float[Count * 2];
var labels = new int[Count];
for (int i = 0; i < Count; i++)
{
    labels[i] = i % 3;
    features[2 * i] = centres[i % 3][0] + (float)(random.NextDouble() - 0.5);
    features[2 * i + 1] = centres[i % 3][1] + (float)(random.NextDouble() - 0.5);
}
var data = new Dataset(features, [2], labels, classCount: 3);

var net = new Blobs(seed: 1);
double before = net.Evaluate(data).Loss;
net.Fit(data, new FitOptions { Epochs = 5, BatchSize = 16, Optimizer = new Adam(0.01) });
var after = net.Evaluate(data);
int predicted = net.PredictClass([0f, 4f]);

// One "name value" pair per line, invariant culture, for the test to parse.
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss-before {before:R}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss-after {after.Loss:R}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {after.Accuracy:R}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"predicted {predicted}"));
