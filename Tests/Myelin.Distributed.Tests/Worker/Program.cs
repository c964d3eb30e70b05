using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Myelin.Distributed;
using Myelin.Distributed.Worker;

// myelin-distributed-worker OUTDIR [SCENARIO...]: run by the MPI tests as `mpirun -np 2 dotnet myelin-distributed-worker.dll`.
// Every rank runs the scenarios (all of them by default) on MPI_COMM_WORLD and writes its results into OUTDIR, one
// line per scenario on stdout. An exception ends this rank with its stack trace and a non-zero code, and mpirun then
// ends the job.
string[] all = ["equivalence", "unequal", "mnist", "resume", "allocation"];
if (args.Length < 1 || args.Skip(1).Any(name => !all.Contains(name)))
{
    Console.Error.WriteLine($"usage: myelin-distributed-worker OUTDIR [{string.Join("|", all)}...]");
    return 2;
}
string output = args[0];
Directory.CreateDirectory(output);
string[] scenarios = args.Length > 1 ? args[1..] : all;

return MpiCommunicator.Run(world =>
{
    var (train, test) = Scenarios.Digits();
    foreach (string scenario in scenarios)
    {
        var clock = Stopwatch.StartNew();
        switch (scenario)
        {
            case "equivalence":
                foreach (string optimizer in Scenarios.Optimizers)
                    Scenarios.Equivalence(optimizer, train, world).Write(output, optimizer, world.Rank);
                break;
            case "unequal":
                Scenarios.UnequalShards(train, world).Write(output, scenario, world.Rank);
                break;
            case "mnist":
                Scenarios.MnistFit(train, test, world).Write(output, scenario, world.Rank);
                break;
            case "resume":
                var (straight, resumed) = Scenarios.Resume(train, output, world);
                straight.Write(output, "straight", world.Rank);
                resumed.Write(output, "resumed", world.Rank);
                break;
            case "allocation":
                Scenarios.Allocation(train, world).Write(output, scenario, world.Rank);
                break;
        }
        Console.WriteLine($"rank {world.Rank} of {world.Size}: {scenario} done in {clock.Elapsed.TotalSeconds:0.00} s");
    }
    return 0;
});
