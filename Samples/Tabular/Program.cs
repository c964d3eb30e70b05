namespace Myelin.Samples.Tabular;

public static class Program
{
    private static int Main(string[] args)
    {
        System.Console.Error.WriteLine("myelin-tabular: under construction");
        return args.Length == 0 ? 2 : 2;
    }
}
