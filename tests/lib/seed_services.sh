# shellcheck shell=bash disable=SC2016  # the container scripts are single-quoted on purpose
# The containers of the emulated seed stack (sourced by seed_stack.sh, which describes the images).
# Names follow the seed's (postgre, minio, ...) with the run's suffix; ports are the upstream
# images' EXPOSE lines, given with --expose because our images are imported and declare none.

# seed_run NAME SUFFIX NETWORK IMAGE [docker run options...] -- [command args...]
seed_run() {
  local name=$1 suffix=$2 network=$3 image=$4; shift 4
  local options=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do options+=("$1"); shift; done
  shift
  docker_cli run -d --name "$name-$suffix" --network "$network" --label autoscrape.test=1 \
    --label "$SEED_LABEL=$suffix" "${options[@]}" "$image" "$@" >/dev/null
}

# PostgreSQL 15 as the postgres user: a fresh cluster trusting the test network (no password
# needed; the exporter's DSN still carries one, so that the pairing is tested on credentials that
# it must drop).
PG_SCRIPT='set -e
bin=/usr/lib/postgresql/15/bin
data=/var/lib/postgresql/seed
"$bin/initdb" -D "$data" -A trust -U postgres >/dev/null
echo "host all all samenet trust" >>"$data/pg_hba.conf"
exec "$bin/postgres" -D "$data" -c "listen_addresses=*" -k /tmp'

PROMETHEUS_SCRIPT='set -e
printf "global:\n  scrape_interval: 15s\n" >/tmp/prometheus.yml
exec /usr/bin/prometheus --config.file=/tmp/prometheus.yml --storage.tsdb.path=/tmp/prometheus-data \
  --web.listen-address=:9090'

# standin_script PORT PATH=CONTENT...: busybox httpd on PORT serving each PATH with CONTENT.
standin_script() {
  local port=$1 entry path; shift
  printf 'set -e\n'
  for entry in "$@"; do
    path=${entry%%=*}
    printf 'busybox mkdir -p "/tmp/www%s"\n' "$(dirname "$path")"
    printf "printf '%%s\\\\n' '%s' >\"/tmp/www%s\"\n" "${entry#*=}" "$path"
  done
  printf 'exec httpd -f -p %s -h /tmp/www\n' "$port"
}

# Neo4j: HTTP discovery document on 7474, and on 7687 a persistent nc that answers the Bolt
# handshake (20 bytes: magic and four version ranges) with version 5.4, as Neo4j 5 does.
NEO4J_SCRIPT='set -e
busybox mkdir -p /tmp/www
echo "{\"bolt_direct\":\"bolt://localhost:7687\",\"neo4j_version\":\"5.26.0\",\"neo4j_edition\":\"community\"}" >/tmp/www/index.html
printf "%s\n" "busybox head -c 20 >/dev/null" "busybox printf \"\\000\\000\\004\\005\"" >/tmp/bolt.sh
httpd -p 7474 -h /tmp/www
exec nc -ll -p 7687 -e /bin/sh /tmp/bolt.sh'

run_seed_services() {
  local net=$1 sfx=$2
  seed_run postgre "$sfx" "$net" postgres:15 --expose 5432 --user postgres --entrypoint /bin/sh -- -c "$PG_SCRIPT"
  seed_run postgres-exporter "$sfx" "$net" prometheuscommunity/postgres-exporter:latest --expose 9187 \
    --user prometheus --entrypoint /usr/bin/prometheus-postgres-exporter \
    -e "DATA_SOURCE_NAME=postgresql://postgres:secret@postgre-$sfx:5432/postgres?sslmode=disable" --
  seed_run prometheus "$sfx" "$net" prom/prometheus:latest --expose 9090 --user prometheus \
    --entrypoint /bin/sh -- -c "$PROMETHEUS_SCRIPT"
  seed_run node-exporter "$sfx" "$net" prom/node-exporter:latest --expose 9100 --user prometheus \
    --entrypoint /usr/bin/prometheus-node-exporter --
  seed_run minio "$sfx" "$net" minio/minio:latest --expose 9000 --entrypoint /bin/sh -- -c "$(standin_script 9000 \
    /minio/health/live= /minio/health/ready= \
    '/minio/v2/metrics/cluster=minio_cluster_nodes_online_total{server="127.0.0.1:9000"} 1')"
  seed_run neo4j "$sfx" "$net" neo4j:5 --expose 7473 --expose 7474 --expose 7687 --entrypoint /bin/sh -- \
    -c "$NEO4J_SCRIPT"
  # MLflow's image declares no port; its server listens on 5000, which compose files publish.
  seed_run mlflow "$sfx" "$net" ghcr.io/mlflow/mlflow:latest --expose 5000 --entrypoint /bin/sh -- -c \
    "$(standin_script 5000 /health=OK '/metrics=mlflow_http_request_total{method="GET",status="200"} 1')"
  seed_run label-studio "$sfx" "$net" heartexlabs/label-studio:latest --expose 8080 --entrypoint /bin/sh -- -c \
    "$(standin_script 8080 '/health={"status": "UP"}')"
  seed_run grafana "$sfx" "$net" grafana/grafana:latest --expose 3000 --entrypoint /bin/sh -- -c \
    "$(standin_script 3000 '/api/health={"database": "ok", "version": "11.3.0"}' \
      '/metrics=grafana_build_info{edition="oss",version="11.3.0"} 1')"
}

# What "ready" means per container: NAME PORT [HTTP_PATH] (TCP connect when no path).
SEED_READY_CHECKS=(
  "postgre 5432" "postgres-exporter 9187 /metrics" "prometheus 9090 /-/ready" "node-exporter 9100 /metrics"
  "minio 9000 /minio/health/live" "neo4j 7474 /" "neo4j 7687" "mlflow 5000 /health" "label-studio 8080 /health"
  "grafana 3000 /api/health"
)

# seed_check NETWORK SUFFIX NAME PORT [PATH]: one attempt, bounded by 2 s.
seed_check() {
  local net=$1 sfx=$2 name=$3 port=$4 path=${5:-} ip
  ip=$(docker_cli inspect --format "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$name-$sfx") || return 1
  [ -n "$ip" ] || return 1
  if [ -n "$path" ]; then
    curl -sf -o /dev/null --max-time 2 "http://$ip:$port$path"
  else
    timeout 2 bash -c "exec 3<>/dev/tcp/$ip/$port"
  fi
}

# Waits up to READY_TIMEOUT_S for every check; fails at once, with its log, when a container exits.
wait_seed_ready() {
  local net=$1 sfx=$2 deadline=$((SECONDS + READY_TIMEOUT_S)) pending check name exited
  pending=("${SEED_READY_CHECKS[@]}")
  while [ ${#pending[@]} -gt 0 ]; do
    exited=$(docker_cli ps -a --filter "label=$SEED_LABEL=$sfx" --filter status=exited --format '{{.Names}}')
    if [ -n "$exited" ]; then
      for name in $exited; do docker_cli logs --tail 20 "$name" >&2 || true; done
      die "seed container(s) exited: $exited"
    fi
    local still=()
    for check in "${pending[@]}"; do
      # shellcheck disable=SC2086
      seed_check "$net" "$sfx" $check || still+=("$check")
    done
    pending=("${still[@]}")
    [ ${#pending[@]} -eq 0 ] && break
    [ $SECONDS -lt $deadline ] || die "not ready after ${READY_TIMEOUT_S} s: ${pending[*]}"
    sleep 0.5
  done
  seed_log "seed stack '$sfx' ready on $net"
}
