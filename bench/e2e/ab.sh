#!/usr/bin/env bash
# A/B of two autoscrape binaries in one run: both scrape the same N containers × M series at the
# same time and remote-write to one VictoriaMetrics on loopback. Run one after the other, two
# builds differ by less than this VM's run-to-run noise (±10% at 10k samples/s); side by side,
# steal, cache pressure and the receiver's load fall on both alike. Swap A and B to check for a
# bias of position. Per binary: samples it delivered (its own
# autoscrape_remote_storage_samples_total), CPU-s per 1M of them (utime+stime), peak RSS.
#
# usage: bench/e2e/ab.sh BIN_A BIN_B [N containers] [M series] [seconds measured]
#   METRICS_SERVER_BIN: the target binary (default: build/bench/e2e/metrics_server)
# Bounded: 15 s warm-up + the window. Cleans up only what it created.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BIN_A BIN_B [N] [M] [SECONDS]" >&2; exit 2; }
BINS=("$1" "$2")
N=${3:-10}
M=${4:-1000}
SECONDS_MEASURED=${5:-90}
METRICS_SERVER_BIN=${METRICS_SERVER_BIN:-$ROOT/build/bench/e2e/metrics_server}

# shellcheck source=../../tests/lib/services.sh
source "$ROOT/tests/lib/services.sh"
RUN_ID=ab$$
WORK=$SERVICES_DIR
NET=astest-$RUN_ID
AGENT_PIDS=()
cleanup() {
  local status=$?
  for pid in "${AGENT_PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  bench_cleanup "$RUN_ID" "$NET" "$status"
}
trap cleanup EXIT

for bin in "${BINS[@]}" "$METRICS_SERVER_BIN"; do
  [ -x "$bin" ] || { echo "no $bin" >&2; exit 2; }
done
ensure_dockerd
tar -C "$(dirname "$METRICS_SERVER_BIN")" -c "$(basename "$METRICS_SERVER_BIN")" |
  docker_cli import - autoscrape-test/metrics-server:bench >/dev/null
start_victoria_metrics
{
  echo "# TYPE bench_metric gauge"
  for ((i = 0; i < M; i++)); do echo "bench_metric{series=\"$i\",path=\"/api/v1/items\",code=\"200\"} $i"; done
} >"$WORK/metrics.txt"
docker_cli network create --label autoscrape.test=1 "$NET" >/dev/null
for ((c = 0; c < N; c++)); do
  docker_cli run -d --name "astest-$RUN_ID-$c" --network "$NET" --label autoscrape.test=1 \
    --label "autoscrape.bench=$RUN_ID" --label prometheus.io/scrape=true --label prometheus.io/port=8080 \
    --label prometheus.io/path=/metrics.txt -v "$WORK/metrics.txt:/www/metrics.txt:ro" \
    autoscrape-test/metrics-server:bench "/$(basename "$METRICS_SERVER_BIN")" 8080 /www/metrics.txt >/dev/null
done

PORTS=()
for i in 0 1; do
  dir=$WORK/agent$i
  mkdir -p "$dir"
  PORTS+=("$(free_port)")
  # The same configuration as run.sh's; both write the same series, which only the receiver sees.
  printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\ndocker:\n  networks: [%s]\nrelabel_configs:\n  - source_labels: [__meta_docker_container_name]\n    target_label: container\nremote_write:\n  - url: %s/api/v1/write\nwal:\n  dir: %s/wal\nweb:\n  listen_address: 127.0.0.1:%s\n' \
    "$NET" "$VM_URL" "$dir" "${PORTS[$i]}" >"$dir/autoscrape.yml"
  "${BINS[$i]}" run --config.file="$dir/autoscrape.yml" >"$dir/log" 2>&1 &
  AGENT_PIDS+=($!)
done

sent() { curl -sf "127.0.0.1:$1/metrics" | awk '/^autoscrape_remote_storage_samples_total/ {s += $2} END {printf "%.0f\n", s}'; }
batches() { curl -sf "127.0.0.1:$1/metrics" | awk '/^autoscrape_remote_storage_sent_batch_duration_seconds_count/ {s += $2} END {printf "%.0f\n", s}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Context switches of all the agent's threads: each is a wake-up, which costs more than the
# syscall itself on a VM.
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
sleep 15
declare -a s0 c0 b0 x0
for i in 0 1; do
  s0[i]=$(sent "${PORTS[$i]}")
  c0[i]=$(cpu_ticks "${AGENT_PIDS[$i]}")
  b0[i]=$(batches "${PORTS[$i]}")
  x0[i]=$(switches "${AGENT_PIDS[$i]}")
done
sleep "$SECONDS_MEASURED"
hz=$(getconf CLK_TCK)
echo "## $(date -u '+%F %H:%M') UTC, $(nproc) cores: A/B side by side, $N containers × $M series, ${SECONDS_MEASURED}s measured, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| binary | delivered samples/s | CPU-s | CPU-s per 1M samples | peak RSS MiB | requests/s | context switches/s |"
echo "|---|---|---|---|---|---|---|"
for i in 0 1; do
  samples=$(($(sent "${PORTS[$i]}") - s0[i]))
  cpu=$(echo "scale=2; ($(cpu_ticks "${AGENT_PIDS[$i]}") - ${c0[$i]}) / $hz" | bc)
  per_m=$([ "$samples" -gt 0 ] && echo "scale=3; $cpu * 1000000 / $samples" | bc || echo n/a)
  hwm=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/${AGENT_PIDS[$i]}/status")
  requests=$(echo "scale=1; ($(batches "${PORTS[$i]}") - ${b0[$i]}) / $SECONDS_MEASURED" | bc)
  cs=$(( ($(switches "${AGENT_PIDS[$i]}") - x0[i]) / SECONDS_MEASURED ))
  echo "| $(printf '%s' "${BINS[$i]}" | sed 's/|/\\|/g') | $((samples / SECONDS_MEASURED)) | $cpu | $per_m | $hwm | $requests | $cs |"
done
