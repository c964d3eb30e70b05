#!/usr/bin/env bash
# Builds the benchmarks in Release, makes TorchSharp loadable on this machine, and runs BenchmarkDotNet (in process).
#
#   Benchmarks/run.sh [BenchmarkDotNet arguments]
#   Benchmarks/run.sh --filter '*' --job short         every benchmark, short job (what docs/benchmarks.md reports)
#   Benchmarks/run.sh --filter '*MlpBenchmarks*'        one class, default job
#   Benchmarks/run.sh --filter '*' --job dry            smoke test: each benchmark once, including the guards
#   Benchmarks/run.sh --list flat                       list the benchmarks
#
# With no arguments it runs everything with the default job (--filter '*'). Results go to BenchmarkDotNet.Artifacts/
# in the current directory. The exit status is 1 when any benchmark failed, e.g. when the Myelin/TorchSharp
# equivalence guard threw in a setup.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/Benchmarks/Myelin.Benchmarks"
output="$project/bin/Release/net10.0"

dotnet build "$project" -c Release --nologo -v quiet
# After every build: MSBuild copies the original libLibTorchSharp.so back whenever it differs from the NuGet one.
"$root/Benchmarks/prepare-torchsharp.sh" "$output"

if [ $# -eq 0 ]; then set -- --filter '*'; fi
exec dotnet "$output/Myelin.Benchmarks.dll" "$@"
