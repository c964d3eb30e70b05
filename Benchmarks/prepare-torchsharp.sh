#!/usr/bin/env bash
# Makes TorchSharp 0.107.0 loadable on Linux x64 machines whose libstdc++ is older than GCC 13's (Debian 12 and
# Ubuntu 22.04 ship GLIBCXX_3.4.30; libLibTorchSharp.so asks for GLIBCXX_3.4.32).
#
#   Benchmarks/prepare-torchsharp.sh <build output directory>
#   e.g. Benchmarks/prepare-torchsharp.sh Benchmarks/Myelin.Benchmarks/bin/Release/net10.0
#
# Without it, TorchSharp fails with "This application or script uses TorchSharp but doesn't contain a reference to
# libtorch-cpu-linux-x64": the loader rejects libLibTorchSharp.so because libstdc++.so.6 lacks version GLIBCXX_3.4.32.
# The library needs exactly one symbol of that version, std::ios_base_library_init() (_ZSt21ios_base_library_initv),
# which GCC 13 emits to initialise std::cout and friends. The fix, applied to the COPY in the build output only (never
# to the NuGet cache, and never committed):
#   1. build libmyelin_iosinit.so from tools/iosinit-shim.cpp, which defines that function the pre-GCC 13 way;
#   2. patchelf: unbind the symbol from its version and add the shim as a NEEDED library (RUNPATH has $ORIGIN, so the
#      shim is found next to libLibTorchSharp.so with no LD_LIBRARY_PATH);
#   3. tools/weaken-verneed.cs: mark the now unused GLIBCXX_3.4.32 requirement weak, so its absence is not an error.
# Idempotent: it does nothing when the system libstdc++ already has GLIBCXX_3.4.32 or the library is already patched.
# A rebuild may copy the original library back from the NuGet cache; run.sh therefore runs this after every build.
set -euo pipefail

required_version="GLIBCXX_3.4.32"
symbol="_ZSt21ios_base_library_initv"
shim="libmyelin_iosinit.so"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ $# -ne 1 ]; then
  echo "usage: $0 <build output directory, e.g. Benchmarks/Myelin.Benchmarks/bin/Release/net10.0>" >&2
  exit 2
fi
if [ "$(uname -s)" != "Linux" ] || [ "$(uname -m)" != "x86_64" ]; then
  echo "prepare-torchsharp: not Linux x64; TorchSharp's own native libraries are used as they are."
  exit 0
fi

native="$1/runtimes/linux-x64/native"
library="$native/libLibTorchSharp.so"
if [ ! -f "$library" ]; then
  echo "prepare-torchsharp: '$library' does not exist; build the benchmarks first (dotnet build -c Release)." >&2
  exit 1
fi

libstdcxx="$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')"
if [ -z "$libstdcxx" ]; then
  echo "prepare-torchsharp: ldconfig -p lists no x86-64 libstdc++.so.6." >&2
  exit 1
fi
# Version names sit NUL-terminated in the library's string table, so -z -x matches the whole name only.
if grep -qazx "$required_version" "$libstdcxx"; then
  echo "prepare-torchsharp: $libstdcxx has $required_version; nothing to do."
  exit 0
fi

install_packages() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "prepare-torchsharp: installing $* with apt-get"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "$@" >/dev/null
}
missing=()
command -v patchelf >/dev/null || missing+=(patchelf)
command -v g++ >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then install_packages "${missing[@]}"; fi

if [ -f "$native/$shim" ] && patchelf --print-needed "$library" | grep -qx "$shim"; then
  echo "prepare-torchsharp: $library is already patched."
  exit 0
fi

echo "prepare-torchsharp: $libstdcxx lacks $required_version; patching the copy in $native"
g++ -shared -fPIC -O2 -o "$native/$shim" "$here/tools/iosinit-shim.cpp"

# Patch a temporary copy and move it into place at the end, so that an interrupted run never leaves a half-patched
# library that the check above would take for a finished one.
work="$(mktemp "$native/libLibTorchSharp.so.XXXXXX")"
trap 'rm -f "$work"' EXIT
cp "$library" "$work"
patchelf --clear-symbol-version "$symbol" --add-needed "$shim" "$work"
dotnet run "$here/tools/weaken-verneed.cs" -- "$work" "$required_version"
chmod --reference="$library" "$work"
mv "$work" "$library"
trap - EXIT
echo "prepare-torchsharp: done; $library now loads with $libstdcxx."
