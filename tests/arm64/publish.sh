#!/usr/bin/env bash
# Publishes `edgepali` and `edgepali-quantize` self-contained for linux-arm64, as deploy/install.sh does (one
# single-file program, native libraries beside it), into OUT/edgepali/ and OUT/edgepali-quantize/. The tests
# (Category=Arm64) run them on this x64 machine under qemu-aarch64-static; see docs/deploy.md.
# Intermediate files go to OUT/artifacts, not to src/*/obj, so the x64 build in the source tree is left alone
# (a RID-specific restore would otherwise rewrite its project.assets.json).
# The bench (edgepali-bench) is not published here; docs/benchmarks.md shows how to publish it for the board.
# Usage: tests/arm64/publish.sh OUT
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT" >&2
  exit 2
fi
out=$(realpath -m "$1")
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

publish() { # project folder, program name
  local started=$SECONDS
  dotnet publish "src/$1/EdgePali.$1.csproj" -c Release -r linux-arm64 --self-contained true \
    -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=false \
    --artifacts-path "$out/artifacts" -o "$out/$2" -nologo -v:q -clp:ErrorsOnly -nodeReuse:false
  echo "publish.sh: $2 for linux-arm64 in $((SECONDS - started)) s -> $out/$2"
}
publish Agent edgepali
# The second publish reuses EdgePali.Vision's arm64 build from OUT/artifacts.
publish Quantize edgepali-quantize
