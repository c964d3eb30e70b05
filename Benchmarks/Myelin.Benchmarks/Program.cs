System.Console.WriteLine(new Myelin.Benchmarks.Networks.Cnn(1).Parameters.Length);
System.Console.WriteLine(TorchSharp.torch.__version__);
