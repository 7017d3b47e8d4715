#!/usr/bin/env bash
# ./run demo: the agent on its embedded default configuration against the real things.
# Starts (only if needed) dockerd, `shared-network`, three demo containers and VictoriaMetrics on
# 127.0.0.1:8428, then `autoscrape run` with no config file. Ctrl-C stops what this script started
# and nothing else. AUTOSCRAPE_DEMO_SECONDS=N stops by itself after N seconds (used by the tests).
#   tests/demo.sh PATH_TO_AUTOSCRAPE
set -euo pipefail
BIN=$(readlink -f "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/lib/services.sh"

NETWORK=shared-network
IMAGE=autoscrape-test/busybox:latest
DEMO_LABEL=autoscrape.demo=1
WORK=$(mktemp -d /tmp/autoscrape-demo.XXXXXX)
CREATED_NETWORK=""
AGENT_PID=""

say() { printf '\n\033[1;36m== %s\033[0m\n' "$*"; }

cleanup() {
  local status=$?
  set +e
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
  local ids; ids=$(docker_cli ps -aq --filter label=$DEMO_LABEL 2>/dev/null)
  [ -n "$ids" ] && docker_cli rm -f $ids >/dev/null
  [ -n "$CREATED_NETWORK" ] && docker_cli network rm "$NETWORK" >/dev/null
  services_cleanup "$status"
  rm -rf "$WORK"
  say "demo stopped; everything it started is gone"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_dockerd
ensure_busybox_image "$IMAGE"
if ! docker_cli network inspect "$NETWORK" >/dev/null 2>&1; then
  docker_cli network create --label "$DEMO_LABEL" "$NETWORK" >/dev/null
  CREATED_NETWORK=yes
fi

# A demo app: busybox httpd serving a metrics file that a shell loop rewrites every second.
start_app() {
  local name=$1; shift
  docker_cli rm -f "$name" >/dev/null 2>&1 || true
  docker_cli run -d --name "$name" --network "$NETWORK" --label "$DEMO_LABEL" "$@" "$IMAGE" sh -c '
    mkdir -p /www; i=0
    while :; do
      i=$((i+1))
      printf "# HELP demo_requests_total Requests served.\n# TYPE demo_requests_total counter\ndemo_requests_total{path=\"/\"} %s\n# TYPE demo_up gauge\ndemo_up 1\n" "$i" >/www/metrics.tmp
      mv /www/metrics.tmp /www/metrics; sleep 1
    done & exec httpd -f -p 8080 -h /www' >/dev/null
}
say "starting demo containers on $NETWORK"
start_app demo-web --label prometheus.io/scrape=true --label prometheus.io/port=8080
start_app demo-api --label prometheus.io/scrape=true --label prometheus.io/port=8080 --label com.docker.compose.project=demo --label com.docker.compose.service=api
start_app demo-worker
docker_cli ps --filter label=$DEMO_LABEL --format 'table {{.Names}}\t{{.Status}}\t{{.Labels}}' | cut -c1-160

if curl -sf http://127.0.0.1:8428/health >/dev/null 2>&1; then
  say "a remote-write receiver already answers on 127.0.0.1:8428; using it"
else
  say "starting VictoriaMetrics on 127.0.0.1:8428 (the embedded default's remote_write target)"
  victoria-metrics -httpListenAddr 127.0.0.1:8428 -storageDataPath "$WORK/vm-data" -search.latencyOffset 0s \
    >"$WORK/victoria-metrics.log" 2>&1 &
  SERVICES_STARTED_PIDS+=($!)
  wait_for curl -sf http://127.0.0.1:8428/health
fi

say "autoscrape discover (what the agent sees)"
"$BIN" discover || true

say "autoscrape run on the embedded default configuration (logs below; Ctrl-C to stop)"
cd "$WORK"
"$BIN" run &
AGENT_PID=$!
wait_for curl -sf http://127.0.0.1:9465/-/ready || echo "(the agent is not ready yet)"

say "self metrics: http://127.0.0.1:9465/metrics"
curl -s http://127.0.0.1:9465/metrics | grep -E '^autoscrape_(build_info|discovery_targets|config_last_reload_successful)' || true
if curl -sf http://127.0.0.1:9465/api/v1/targets >/dev/null 2>&1; then
  say "scrape targets: http://127.0.0.1:9465/api/v1/targets"
  curl -s http://127.0.0.1:9465/api/v1/targets | head -c 2000; echo
fi

say "series arriving in VictoriaMetrics (remote write through the WAL): demo_requests_total"
for i in $(seq 1 30); do
  result=$(curl -s http://127.0.0.1:8428/api/v1/query --data-urlencode 'query=demo_requests_total')
  [[ $result == *'"value"'* ]] && break
  sleep 1
done
echo "$result"
say "scrape health per target: up"
curl -s http://127.0.0.1:8428/api/v1/query --data-urlencode 'query=up'; echo

if [ -n "${AUTOSCRAPE_DEMO_SECONDS:-}" ]; then
  sleep "$AUTOSCRAPE_DEMO_SECONDS"
else
  wait "$AGENT_PID"
fi
