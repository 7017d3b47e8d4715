# Shared by ./run demo, ./run test and the benchmarks: start the real things on this machine
# (dockerd, VictoriaMetrics, Prometheus), remember what *we* started, and stop only that.
# Source it; then call `services_cleanup` from an EXIT trap.

SERVICES_STARTED_PIDS=()
# Logs and receiver data of what this script starts; removed at its cleanup when it made the dir.
SERVICES_DIR_MADE=0
if [ -z "${SERVICES_DIR:-}" ]; then
  SERVICES_DIR=$(mktemp -d /tmp/autoscrape-services.XXXXXX)
  SERVICES_DIR_MADE=1
fi

svc_log() { printf '\033[1m[services]\033[0m %s\n' "$*" >&2; }

# wait_for CMD... : retry for up to 30 s (bounded), true when CMD succeeds.
wait_for() {
  local i
  for i in $(seq 1 150); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

docker_cli() { /usr/bin/docker "$@"; }

ensure_dockerd() {
  if docker_cli info >/dev/null 2>&1; then return 0; fi
  # A dockerd that died with the previous session leaves its pid file behind and refuses to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  svc_log "starting dockerd (log: $SERVICES_DIR/dockerd.log)"
  dockerd >"$SERVICES_DIR/dockerd.log" 2>&1 &
  SERVICES_STARTED_PIDS+=($!)
  wait_for docker_cli info || { tail -n 30 "$SERVICES_DIR/dockerd.log" >&2; svc_log "dockerd did not answer"; return 1; }
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# start_victoria_metrics -> sets VM_URL (http://127.0.0.1:PORT); remote write at $VM_URL/api/v1/write
start_victoria_metrics() {
  local port; port=$(free_port)
  victoria-metrics -httpListenAddr "127.0.0.1:$port" -storageDataPath "$SERVICES_DIR/vm-data" \
    -retentionPeriod 1d -search.latencyOffset 0s >"$SERVICES_DIR/victoria-metrics.log" 2>&1 &
  SERVICES_STARTED_PIDS+=($!)
  VM_URL="http://127.0.0.1:$port"
  wait_for curl -sf "$VM_URL/health" || { svc_log "victoria-metrics did not start"; return 1; }
}

# start_prometheus_receiver -> sets PROM_URL; remote write at $PROM_URL/api/v1/write
start_prometheus_receiver() {
  local port; port=$(free_port)
  mkdir -p "$SERVICES_DIR/prom-data"
  printf 'global:\n  scrape_interval: 15s\n' >"$SERVICES_DIR/prometheus.yml"
  prometheus --config.file "$SERVICES_DIR/prometheus.yml" --storage.tsdb.path "$SERVICES_DIR/prom-data" \
    --web.listen-address "127.0.0.1:$port" --web.enable-remote-write-receiver --web.enable-lifecycle \
    >"$SERVICES_DIR/prometheus.log" 2>&1 &
  SERVICES_STARTED_PIDS+=($!)
  PROM_URL="http://127.0.0.1:$port"
  wait_for curl -sf "$PROM_URL/-/ready" || { svc_log "prometheus did not start"; return 1; }
}

# The demo/test image: a rootfs holding Debian's static busybox, imported (no registry here).
ensure_busybox_image() {
  local tag=${1:-autoscrape-test/busybox:latest}
  docker_cli image inspect "$tag" >/dev/null 2>&1 && return 0
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/www" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in sh httpd sleep cat echo ls nc wget; do ln -s busybox "$root/bin/$applet"; done
  tar -C "$root" -c . | docker_cli import - "$tag" >/dev/null
  rm -rf "$root"
}

# Remove every container and network a test or demo created (they carry autoscrape.test=1).
remove_test_docker_objects() {
  docker_cli info >/dev/null 2>&1 || return 0
  local ids
  ids=$(docker_cli ps -aq --filter label=autoscrape.test=1)
  [ -n "$ids" ] && docker_cli rm -f $ids >/dev/null 2>&1
  ids=$(docker_cli network ls -q --filter label=autoscrape.test=1)
  [ -n "$ids" ] && docker_cli network rm $ids >/dev/null 2>&1
  return 0
}

# services_cleanup [STATUS]: STATUS is the script's exit status, by default $? (right in an EXIT
# trap that calls this first).
services_cleanup() {
  local status=${1:-$?}
  remove_test_docker_objects
  stop_started_services
  remove_services_dir "$status"
}

# Removes SERVICES_DIR once what wrote there is stopped, when this script made it and exits with
# status 0: repeated runs left hundreds of them, gigabytes of receiver data, in /tmp. A failed run
# keeps it for its logs, and says where.
remove_services_dir() {
  [ "$SERVICES_DIR_MADE" = 1 ] && [ -d "$SERVICES_DIR" ] || return 0
  if [ "$1" -eq 0 ]; then rm -rf "$SERVICES_DIR"; else svc_log "logs kept in $SERVICES_DIR"; fi
}

# Stops what this script started (newest first): receivers before the dockerd they may use.
stop_started_services() {
  local pid
  for ((i=${#SERVICES_STARTED_PIDS[@]}-1; i>=0; i--)); do
    pid=${SERVICES_STARTED_PIDS[$i]}
    kill "$pid" 2>/dev/null && { wait_pid_gone "$pid" || kill -9 "$pid" 2>/dev/null; }
  done
  SERVICES_STARTED_PIDS=()
}

# For a benchmark that shares dockerd with other runs: removes only its own containers (label
# autoscrape.bench=$1) and network ($2), then stops what it started; $3 is its exit status.
bench_cleanup() {
  local status=${3:-$?}
  local ids
  ids=$(docker_cli ps -aq --filter "label=autoscrape.bench=$1")
  [ -n "$ids" ] && docker_cli rm -f $ids >/dev/null 2>&1
  docker_cli network rm "$2" >/dev/null 2>&1
  stop_started_services
  remove_services_dir "$status"
  return 0
}

wait_pid_gone() {
  local i
  for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}
