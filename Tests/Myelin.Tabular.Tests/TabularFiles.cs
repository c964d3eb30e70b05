using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Myelin.Tabular.Tests;

/// <summary>
/// Writes real-looking CSV files into a temporary folder, deleted on dispose: an iris-like file sorted by class with
/// species names, a breast-cancer-like binary file in scikit-learn's layout (metadata line, no header, gzip), and a
/// house-price regression file. Every file is generated from a seed, so the tests are deterministic.
/// </summary>
internal sealed class TabularFiles : IDisposable
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public TabularFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), "myelin-tabular-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>150 flowers, 50 per species, sorted by species as the real file is; the classes overlap a little.</summary>
    public string Iris(string name = "iris.csv")
    {
        var random = new SeededRandom(11);
        (string Species, double[] Mean)[] species =
        [
            ("setosa", [5.0, 3.4, 1.5, 0.25]),
            ("versicolor", [5.9, 2.8, 4.3, 1.3]),
            ("virginica", [6.6, 3.0, 5.5, 2.0]),
        ];
        double[] spread = [0.35, 0.33, 0.45, 0.25];
        var text = new StringBuilder("sepal length,sepal width,petal length,petal width,species\n");
        foreach (var (label, mean) in species)
        {
            for (int i = 0; i < 50; i++)
            {
                for (int f = 0; f < 4; f++) text.Append((mean[f] + spread[f] * random.NextGaussian()).ToString("0.0", C)).Append(',');
                text.Append(label).Append('\n');
            }
        }
        return Write(name, text.ToString());
    }

    /// <summary>
    /// 300 tumours with 30 measurements in scikit-learn's layout: a metadata line (<c>300,30,malignant,benign</c>),
    /// no header, the label (0 malignant, 1 benign) last; gzip-compressed. The classes differ in ten of the features.
    /// </summary>
    public string CancerGz(string name = "breast_cancer.csv.gz")
    {
        var random = new SeededRandom(12);
        var text = new StringBuilder("300,30,malignant,benign\n");
        for (int i = 0; i < 300; i++)
        {
            int label = i < 110 ? 0 : 1;
            for (int f = 0; f < 30; f++)
            {
                double shift = f % 3 == 0 ? (label == 0 ? 1.2 : -0.8) : 0;
                text.Append(((f + 1) * 10 + (f + 1) * (shift + random.NextGaussian())).ToString("0.####", C)).Append(',');
            }
            text.Append(label).Append('\n');
        }
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text.ToString()));
        string path = PathOf(name);
        File.WriteAllBytes(path, buffer.ToArray());
        return path;
    }

    /// <summary>400 houses with 8 features (an id column besides) and a price around 250,000: linear plus a little curvature and noise.</summary>
    public string Houses(string name = "houses.csv")
    {
        var random = new SeededRandom(13);
        var text = new StringBuilder("id,rooms,area,age,distance,income,lat,lon,floors,price\n");
        double[] weights = [30_000, 45_000, -12_000, -20_000, 38_000, 5_000, -3_000, 9_000];
        for (int i = 0; i < 400; i++)
        {
            var x = new double[8];
            double price = 250_000;
            for (int f = 0; f < 8; f++)
            {
                double z = random.NextGaussian();
                x[f] = 10 * (f + 1) + (f + 1) * z;
                price += weights[f] * z;
            }
            price += 8_000 * Math.Sin(x[1]) + 6_000 * random.NextGaussian();
            text.Append("h").Append(i).Append(',');
            foreach (double v in x) text.Append(v.ToString("0.###", C)).Append(',');
            text.Append(price.ToString("0.00", C)).Append('\n');
        }
        return Write(name, text.ToString());
    }

    public string Write(string name, string text)
    {
        string path = PathOf(name);
        File.WriteAllText(path, text);
        return path;
    }
}
