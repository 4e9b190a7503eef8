#!/usr/bin/env bash
# Installs the EdgePali worker as a systemd service on this machine (run as root from the repository):
#   publish a self-contained build -> /opt/edgepali, config -> /etc/edgepali/edgepali.json (kept if present),
#   unit -> /etc/systemd/system/edgepali.service, optionally a model package -> /opt/edgepali/models/, enable.
# Usage: sudo deploy/install.sh [--rid linux-arm64|linux-x64] [--model DIR] [--no-enable]
#   --rid     runtime to publish for (default: this machine's)
#   --model   a model package folder to copy (e.g. models/int8/pg2-3b-mix-224); Model:Path is set to it
#             when the config file is created
#   --no-enable  install only; do not enable or start the service
# To build on a PC for a board: deploy/install.sh --rid linux-arm64 --stage DIR writes everything under DIR
# (DIR/opt/edgepali, DIR/etc/...) instead of installing, ready to copy to the board.
set -euo pipefail
cd "$(dirname "$0")/.."

rid=""
model=""
enable=1
stage=""
while (($#)); do
  case "$1" in
    --rid) rid="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --no-enable) enable=0; shift ;;
    --stage) stage="$2"; enable=0; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -z $rid ]]; then
  case "$(uname -m)" in
    aarch64|arm64) rid=linux-arm64 ;;
    x86_64) rid=linux-x64 ;;
    *) echo "install.sh: no .NET runtime for $(uname -m); use --rid linux-arm64 or linux-x64" >&2; exit 2 ;;
  esac
fi
if [[ -z $stage && $(id -u) -ne 0 ]]; then
  echo "install.sh: run as root (sudo), or use --stage DIR to prepare files without installing" >&2
  exit 2
fi
if [[ -n $model && ! -f $model/edgepali.json ]]; then
  echo "install.sh: --model '$model' is not a model package (no edgepali.json); build one with edgepali-quantize build" >&2
  exit 2
fi

root="${stage:-}"
prefix="$root/opt/edgepali"
etc="$root/etc/edgepali"
units="$root/etc/systemd/system"

echo "install.sh: publishing edgepali for $rid (self-contained)"
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT
dotnet publish src/Agent/EdgePali.Agent.csproj -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=false -o "$publish" -nologo -v:q

if [[ $rid == linux-arm64 && ! -f $publish/libOpenCvSharpExtern.so ]]; then
  echo "install.sh: note: no OpenCvSharpExtern for arm64 in the build. Inference, MQTT and snapshots need none;"
  echo "            cameras on /dev/video* use the managed V4L2 backend; RTSP/HTTP/video files need a self-built"
  echo "            libOpenCvSharpExtern.so (docs/deploy.md, \"What runs on a fresh Raspberry Pi OS\")."
fi

install -d "$prefix" "$etc" "$units"
# Root-only folder for the files the unit hands over as systemd credentials (docs/deploy.md, "Secrets").
install -d -m 700 "$etc/secrets"
if [[ -z $stage ]] && systemctl is-active --quiet edgepali 2>/dev/null; then
  systemctl stop edgepali
fi
cp -a "$publish/." "$prefix/"
chmod 755 "$prefix/edgepali"

model_path=""
if [[ -n $model ]]; then
  name=$(basename "$(realpath "$model")")
  install -d "$prefix/models"
  echo "install.sh: copying model package $model -> $prefix/models/$name"
  rm -rf "${prefix:?}/models/$name"
  cp -a "$model" "$prefix/models/$name"
  model_path="/opt/edgepali/models/$name"
fi

if [[ -f $etc/edgepali.json ]]; then
  echo "install.sh: keeping the existing $etc/edgepali.json"
else
  install -m 644 deploy/edgepali.example.json "$etc/edgepali.json"
  if [[ -n $model_path ]]; then
    sed -i "s|\"Path\": \"/opt/edgepali/models/[^\"]*\"|\"Path\": \"$model_path\"|" "$etc/edgepali.json"
  fi
  echo "install.sh: wrote $etc/edgepali.json from deploy/edgepali.example.json: edit cameras, model and broker there"
fi

install -m 644 deploy/systemd/edgepali.service "$units/edgepali.service"
# SupplementaryGroups must name existing groups or the service does not start: keep those this machine has.
groups=()
for g in video gpio render; do
  getent group "$g" >/dev/null 2>&1 && groups+=("$g")
done
install -d "$units/edgepali.service.d"
printf '[Service]\nSupplementaryGroups=\nSupplementaryGroups=%s\n' "${groups[*]}" > "$units/edgepali.service.d/10-groups.conf"

if [[ -n $stage ]]; then
  echo "install.sh: staged under $stage; copy it to the board's / and run: systemctl daemon-reload && systemctl enable --now edgepali"
  exit 0
fi
systemctl daemon-reload
if ((enable)); then
  systemctl enable --now edgepali
  echo "install.sh: edgepali is running: journalctl -u edgepali -f"
else
  echo "install.sh: installed; start with: systemctl enable --now edgepali"
fi
