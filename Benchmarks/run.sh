#!/usr/bin/env bash
# Builds the benchmarks in Release, makes TorchSharp loadable on this machine, and runs BenchmarkDotNet (in process).
#
#   Benchmarks/run.sh [BenchmarkDotNet arguments]
#   Benchmarks/run.sh --filter '*' --job short         every benchmark, short job (what docs/benchmarks.md reports)
#   Benchmarks/run.sh --filter '*MlpBenchmarks*'        one class, default job
#   Benchmarks/run.sh --filter '*' --job dry            smoke test: each benchmark once, including the guards
#   Benchmarks/run.sh --list flat                       list the benchmarks
#   Benchmarks/run.sh --portable-simd --job short       Myelin's rows again with DOTNET_EnableAVX2=0: 128-bit SIMD and no
#                                                       FMA, as on ARM64 and the default Native AOT target
#
# Thread counts: every network benchmark runs Myelin (KernelThreads.Count) and libtorch (torch.set_num_threads) at
# 1 thread and at the number of logical cores; MYELIN_NUM_THREADS does not need to be set.
#
# With no arguments it runs everything with the default job (--filter '*'). Results go to BenchmarkDotNet.Artifacts/
# in the current directory. The exit status is 1 when any benchmark failed, e.g. when the Myelin/TorchSharp
# equivalence guard threw in a setup.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/Benchmarks/Myelin.Benchmarks"
output="$project/bin/Release/net10.0"

portable=0
if [ "${1:-}" = "--portable-simd" ]; then
    portable=1
    shift
fi

dotnet build "$project" -c Release --nologo -v quiet
# After every build: MSBuild copies the original libLibTorchSharp.so back whenever it differs from the NuGet one.
"$root/Benchmarks/prepare-torchsharp.sh" "$output"

if [ "$portable" = 1 ]; then
    # The JIT reads the variable at start-up, so it must be set for the whole (in-process) run; TorchSharp is unaffected.
    export DOTNET_EnableAVX2=0
    if ! printf '%s\n' "$@" | grep -qx -- '--filter'; then set -- --filter '*.TrainMyelin' '*.InferMyelin' "$@"; fi
    exec dotnet "$output/Myelin.Benchmarks.dll" "$@"
fi

if [ $# -eq 0 ]; then set -- --filter '*'; fi
exec dotnet "$output/Myelin.Benchmarks.dll" "$@"
