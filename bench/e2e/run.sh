#!/usr/bin/env bash
# End-to-end benchmark: one agent at a time scrapes N busybox containers × M series every second
# (found through docker_sd / Docker discovery on a test network) and remote-writes to one
# VictoriaMetrics on loopback. Per agent it reports CPU-seconds per million samples delivered
# (utime+stime from /proc/<pid>/stat over the measuring window / rows VictoriaMetrics inserted),
# peak RSS (VmHWM) and the time from a new container's start to its first sample being queryable.
#
# usage: bench/e2e/run.sh [N containers] [M series] [seconds measured] [agents...]
#   agents: prometheus-agent vmagent autoscrape (default: all three)
#   AUTOSCRAPE_BIN: the agent binary (default build/agent/autoscrape)
#   TARGET: keepalive (default) serves the metrics from bench/e2e/metrics_server, which keeps connections
#     open as the Go exporters do; busybox serves them from busybox httpd, which closes every
#     connection, so each scrape also pays a TCP handshake through the Docker bridge (see
#     metrics_server.cpp). METRICS_SERVER_BIN: that binary (default: next to AUTOSCRAPE_BIN's build).
#   RUN_ID: names the containers and network (default bench<pid>). The names go into each target's
#     hash, which picks its phase on the scrape grid (agent/scrape/scrape_loop.hpp): how many
#     phases 10 targets fill, and with it the CPU, varies from run to run unless RUN_ID is fixed.
#   RECEIVER: victoria-metrics (default) or prometheus. VictoriaMetrics makes new rows searchable only
#     after its 1-2 s in-memory flush, so "first sample" there includes that; Prometheus' receiver
#     answers queries from its head at once, which times the agent alone.
# Bounded: warm-up 15 s + the measuring window + at most 60 s for the late container, per agent.
# Cleans up only what it created (its containers, its network, its receiver): other test runs share
# this dockerd.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-10}
M=${2:-1000}
SECONDS_MEASURED=${3:-60}
shift $(( $# > 3 ? 3 : $# )) || true
AGENTS=("$@")
[ ${#AGENTS[@]} -gt 0 ] || AGENTS=(prometheus-agent vmagent autoscrape)
AUTOSCRAPE_BIN=${AUTOSCRAPE_BIN:-$ROOT/build/agent/autoscrape}
TARGET=${TARGET:-keepalive}
METRICS_SERVER_BIN=${METRICS_SERVER_BIN:-$(dirname "$AUTOSCRAPE_BIN")/../bench/e2e/metrics_server}

# shellcheck source=../../tests/lib/services.sh
source "$ROOT/tests/lib/services.sh"
RUN_ID=${RUN_ID:-bench$$}
WORK=$SERVICES_DIR
NET=astest-$RUN_ID
RECEIVER=${RECEIVER:-victoria-metrics}
AGENT_PID=
cleanup() {
  local status=$?
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
  bench_cleanup "$RUN_ID" "$NET" "$status"
}
trap cleanup EXIT

log() { printf '[e2e] %s\n' "$*" >&2; }

ensure_dockerd
case $TARGET in
busybox)
  ensure_busybox_image
  TARGET_IMAGE=autoscrape-test/busybox:latest
  TARGET_COMMAND=(httpd -f -p 8080 -h /www)
  ;;
keepalive)
  [ -x "$METRICS_SERVER_BIN" ] || { log "no $METRICS_SERVER_BIN (meson -Dbench=true builds it)"; exit 2; }
  TARGET_IMAGE=autoscrape-test/metrics-server:bench
  # Imported on every run: the image is the binary alone, and the binary may have been rebuilt.
  tar -C "$(dirname "$METRICS_SERVER_BIN")" -c "$(basename "$METRICS_SERVER_BIN")" |
    docker_cli import - "$TARGET_IMAGE" >/dev/null
  TARGET_COMMAND=("/$(basename "$METRICS_SERVER_BIN")" 8080 /www/metrics.txt)
  ;;
*) log "TARGET must be keepalive or busybox"; exit 2 ;;
esac
case $RECEIVER in
victoria-metrics)
  start_victoria_metrics
  RX_URL=$VM_URL
  RX_ROWS_METRIC=vm_rows_inserted_total
  ;;
prometheus)
  start_prometheus_receiver
  RX_URL=$PROM_URL
  RX_ROWS_METRIC=prometheus_tsdb_head_samples_appended_total
  ;;
*) log "RECEIVER must be victoria-metrics or prometheus"; exit 2 ;;
esac

# The exposition every container serves: M gauges, plain text 0.0.4.
{
  echo "# TYPE bench_metric gauge"
  for ((i = 0; i < M; i++)); do echo "bench_metric{series=\"$i\",path=\"/api/v1/items\",code=\"200\"} $i"; done
} >"$WORK/metrics.txt"

docker_cli network create --label autoscrape.test=1 "$NET" >/dev/null
start_container() {
  docker_cli run -d --name "$1" --network "$NET" --label autoscrape.test=1 --label "autoscrape.bench=$RUN_ID" \
    --label prometheus.io/scrape=true --label prometheus.io/port=8080 --label prometheus.io/path=/metrics.txt \
    -v "$WORK/metrics.txt:/www/metrics.txt:ro" "$TARGET_IMAGE" "${TARGET_COMMAND[@]}" >/dev/null
}
for ((c = 0; c < N; c++)); do start_container "astest-$RUN_ID-$c"; done
log "$N containers × $M series on $NET ($TARGET)"

# Rows the receiver stored so far (all agents write only to it).
rx_rows() {
  curl -sf "$RX_URL/metrics" | awk -v m="$RX_ROWS_METRIC" '$1 ~ "^"m {s += $2} END {printf "%.0f\n", s}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

DOCKER_SD="    docker_sd_configs:
      - host: unix:///var/run/docker.sock
        port: 8080
        refresh_interval: 5s
        filters: [{name: label, values: [\"autoscrape.bench=$RUN_ID\"]}]
    metrics_path: /metrics.txt
    relabel_configs:
      - source_labels: [__meta_docker_container_name]
        target_label: container"

start_agent() {
  local agent=$1 dir=$WORK/$1
  mkdir -p "$dir"
  case $agent in
  prometheus-agent)
    printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: bench\n%s\nremote_write:\n  - url: %s/api/v1/write\n' \
      "$DOCKER_SD" "$RX_URL" >"$dir/prometheus.yml"
    prometheus --enable-feature=agent --config.file="$dir/prometheus.yml" --storage.agent.path="$dir/data" \
      --web.listen-address=127.0.0.1:0 >"$dir/log" 2>&1 &
    ;;
  vmagent)
    # vmagent takes the docker_sd refresh interval as a flag, not per config.
    printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: bench\n%s\n' \
      "$DOCKER_SD" | grep -v refresh_interval >"$dir/scrape.yml"
    vmagent -promscrape.config="$dir/scrape.yml" -promscrape.dockerSDCheckInterval=5s \
      -remoteWrite.url="$RX_URL/api/v1/write" \
      -remoteWrite.tmpDataPath="$dir/data" -httpListenAddr=127.0.0.1:0 >"$dir/log" 2>&1 &
    ;;
  autoscrape)
    [ -x "$AUTOSCRAPE_BIN" ] || { log "no $AUTOSCRAPE_BIN"; return 1; }
    printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\ndocker:\n  networks: [%s]\nrelabel_configs:\n  - source_labels: [__meta_docker_container_name]\n    target_label: container\nremote_write:\n  - url: %s/api/v1/write\nwal:\n  dir: %s/wal\nweb:\n  listen_address: 127.0.0.1:0\n' \
      "$NET" "$RX_URL" "$dir" >"$dir/autoscrape.yml"
    "$AUTOSCRAPE_BIN" run --config.file="$dir/autoscrape.yml" >"$dir/log" 2>&1 &
    ;;
  esac
  AGENT_PID=$!
}

RESULTS=()
for agent in "${AGENTS[@]}"; do
  log "--- $agent"
  start_agent "$agent" || { RESULTS+=("$agent|not run"); continue; }
  sleep 15  # discovery, first scrapes, connection set-up
  if ! kill -0 "$AGENT_PID" 2>/dev/null; then
    # Its log goes with $WORK at the end of a run that exits 0: show the end of it now.
    log "$agent exited; the end of its log:"; tail -n 20 "$WORK/$agent/log" >&2
    RESULTS+=("$agent|exited"); AGENT_PID=; continue
  fi
  rows0=$(rx_rows); cpu0=$(cpu_ticks "$AGENT_PID"); t0=$(date +%s.%N)
  sleep "$SECONDS_MEASURED"
  rows1=$(rx_rows); cpu1=$(cpu_ticks "$AGENT_PID"); t1=$(date +%s.%N)
  hwm=$(hwm_kb "$AGENT_PID")

  # A new container: time from `docker run` returning to its first sample being queryable.
  late=astest-$RUN_ID-late-$agent
  # Other test runs on this host remove every autoscrape.test=1 object; then this is "n/a".
  first=n/a
  start_container "$late" && ts=$(date +%s.%N) && first=timeout
  for _ in $( [ "$first" = timeout ] && seq 1 600); do
    n=$(curl -sf "$RX_URL/api/v1/query" --data-urlencode "query=count(bench_metric{container=\"/$late\"})" |
      sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)".*/\1/p')
    if [ -n "$n" ] && [ "$n" -gt 0 ]; then first=$(echo "$(date +%s.%N) - $ts" | bc); break; fi
    sleep 0.1
  done
  docker_cli rm -f "$late" >/dev/null 2>&1 || true

  kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; AGENT_PID=
  hz=$(getconf CLK_TCK)
  rows=$((rows1 - rows0))
  secs=$(echo "$t1 - $t0" | bc)
  cpu=$(echo "scale=2; ($cpu1 - $cpu0) / $hz" | bc)
  per_m=$( [ "$rows" -gt 0 ] && echo "scale=2; $cpu * 1000000 / $rows" | bc || echo n/a)
  rate=$(echo "scale=0; $rows / $secs" | bc)
  RESULTS+=("$agent|$rate|$cpu|$per_m|$(echo "scale=1; $hwm / 1024" | bc)|$first")
  log "$agent: $rate samples/s delivered, $cpu CPU-s, $per_m CPU-s per 1M samples, peak RSS $(echo "scale=1; $hwm / 1024" | bc) MiB, first sample after ${first}s"
done

echo "## $(date -u +%F) $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo): $N containers × $M series, 1 s interval, ${SECONDS_MEASURED}s measured, target $TARGET, receiver $RECEIVER, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| agent | delivered samples/s | CPU-s | CPU-s per 1M samples | peak RSS MiB | container start → first sample (s) |"
echo "|---|---|---|---|---|---|"
for r in "${RESULTS[@]}"; do echo "| ${r//|/ | } |"; done
