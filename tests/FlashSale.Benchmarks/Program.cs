using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace FlashSale.Benchmarks;

/// <summary>
/// <c>make bench</c> (all) or <c>make bench ARGS="--filter *Confirm*"</c>. In-process toolchain: the generated
/// out-of-process project would not build under central package management, and these benchmarks measure
/// round trips to real servers, where the host process's isolation does not matter.
/// <c>--flat-cost [options]</c> runs the interleaved admit-latency comparison of docs/performance.md target 5 instead (FlatCost.cs).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["--flat-cost", ..]) return await FlatCost.RunAsync(args[1..]);
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
        return 0;
    }
}
