#!/usr/bin/env bash
# Builds EdgePali in Release and runs every test. On a fresh Debian machine (as root) it first installs
# what the tests need: OpenCvSharp's native dependency, a real mosquitto broker, Pillow (the resize
# reference), openssl, qemu with arm64 libraries (the linux-arm64 build is tested under emulation), and the
# pinned Node reference implementations. Quiet when all is in place.
# Usage: ./test.sh [extra `dotnet test` arguments, e.g. --filter Kind=Unit (or Integration, Conformance; see README)]
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- system packages -------------------------------------------------------------------------------
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
# chromium: the status page is tested in a real headless browser (tests/conformance/status-page.mjs).
apt_packages=(libgtk-3-0 mosquitto mosquitto-clients python3-pil python3-numpy openssl systemd ffmpeg strace chromium)
missing=()
# Node runs the reference implementations; the dotnet machine image ships it, a bare Debian does not.
command -v npm >/dev/null || apt_packages+=(nodejs npm)
# The linux-arm64 build runs under user-mode emulation (tests Category=Arm64, docs/deploy.md): qemu, and from
# Debian's arm64 architecture (multiarch) the loader, C/C++ runtime and libssl (the engine checks package
# sha256 with it) at the paths an arm64 Debian has them.
if [[ $(uname -m) == x86_64 ]]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "test.sh: adding Debian's arm64 architecture (multiarch) for the arm64 libraries"
    $SUDO dpkg --add-architecture arm64
  fi
  apt_packages+=(qemu-user-static libc6:arm64 libstdc++6:arm64 libssl3:arm64)
fi
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian package starts a broker on 1883 as a service on some machines; tests start their own on
# free ports, so a system broker is neither needed nor in the way.

# --- Node reference implementations (transformers.js, Gemma tokenizer), pinned by the lockfile --------
if [[ ! -d tests/conformance/node_modules/@huggingface/transformers ]] || [[ ! -d tests/conformance/node_modules/playwright-core ]] ||
   [[ tests/conformance/package-lock.json -nt tests/conformance/node_modules/.package-lock.json ]]; then
  echo "test.sh: installing Node conformance packages from the lockfile"
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# --- build and test --------------------------------------------------------------------------------
# The log is per run (not a fixed /tmp path) so two checkouts can test side by side.
log=$(mktemp -t edgepali-test.XXXXXX.log)
trap 'rm -f "$log"' EXIT
dotnet build EdgePali.sln -c Release -nologo -clp:ErrorsOnly -v:q
dotnet test EdgePali.sln -c Release --no-build -nologo -v:q \
  --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing line that any reader understands, summed over the test projects.
awk '/(Passed|Failed)!/ { for (i=1;i<=NF;i++) { if ($i=="Failed:") f+=$(i+1); if ($i=="Passed:") p+=$(i+1); if ($i=="Skipped:") s+=$(i+1) } }
     END { gsub(",","",p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
