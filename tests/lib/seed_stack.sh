#!/usr/bin/env bash
# The seed stack (PostgreSQL, postgres_exporter, MinIO, Neo4j, MLflow, Label Studio, Grafana,
# Prometheus, node_exporter), emulated on this machine under the real upstream image names, so
# that the agent's built-in profiles are tested on the names users run, with no registry.
#
#   seed_stack.sh build               build the images (cached: fast when they exist)
#   seed_stack.sh up NETWORK SUFFIX   tag the upstream names, run the stack on NETWORK as
#                                     <name>-SUFFIX, wait until every service answers (<= 60 s)
#   seed_stack.sh down SUFFIX         remove that run's containers, then the upstream tags
#   seed_stack.sh untag               remove the upstream tags if no seed container is left (for
#                                     tests/run_all.sh, after a test that crashed before `down`)
#
# Real software where Debian packages it: one Debian 12 rootfs made with debootstrap holding
# postgresql, prometheus-postgres-exporter, prometheus and prometheus-node-exporter, imported once
# as autoscrape-test/debian-seed:latest and tagged postgres:15, prometheuscommunity/postgres-exporter,
# prom/prometheus and prom/node-exporter. Each container runs the real binary via --entrypoint.
#
# Stand-ins where Debian has no package (MinIO, Neo4j, MLflow, Label Studio, Grafana): the busybox
# test image tagged under their upstream names, running busybox httpd on the real port over a small
# tree holding the paths their documentation names for health and metrics, and for Neo4j a Bolt
# handshake responder (busybox nc) on 7687. They test the agent's matching and probing, not the
# services themselves.
#
# The upstream tags are names of real images: `up` refuses to move a name that already belongs to
# another image, and `down` removes only tags that point at our images, and only once no seed
# container of any run is left (two runs may overlap). The imported base image stays as the cache.
set -euo pipefail

SEED_IMAGE=autoscrape-test/debian-seed:latest
BUSYBOX_IMAGE=autoscrape-test/busybox:latest
SEED_LABEL=autoscrape.test.seed
SEED_TAGS=(postgres:15 prometheuscommunity/postgres-exporter:latest prom/prometheus:latest prom/node-exporter:latest)
STANDIN_TAGS=(minio/minio:latest neo4j:5 ghcr.io/mlflow/mlflow:latest heartexlabs/label-studio:latest
              grafana/grafana:latest)
READY_TIMEOUT_S=60

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/services.sh
# (SERVICES_DIR: services.sh would make a temp dir for logs of services that this script never starts)
SERVICES_DIR=${SERVICES_DIR:-/tmp} source "$ROOT/tests/lib/services.sh"

seed_log() { printf '\033[1m[seed]\033[0m %s\n' "$*" >&2; }
die() { seed_log "$*"; exit 1; }

image_id() { docker_cli image inspect --format '{{.Id}}' "$1" 2>/dev/null; }

# The Debian mirror apt uses on this machine (deb822 or one-line sources), else deb.debian.org.
apt_mirror() {
  local uri
  uri=$(grep -hE '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hE '^deb .*/debian/? bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                          2>/dev/null | head -n 1 | awk '{print $2}')
  echo "${uri:-http://deb.debian.org/debian}"
}

# debootstrap mounts proc and sys (and may bind /dev) inside the rootfs and leaves them mounted
# when it fails: unmount those first, and never let rm cross into another file system.
remove_rootfs() {
  local mnt
  awk -v d="$BUILD_DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r mnt; do
    umount -l "$mnt" || true
  done
  rm -rf --one-file-system "$BUILD_DIR" "$BUILD_DIR.log"
}

build_seed_image() {
  command -v debootstrap >/dev/null || die "debootstrap is missing (./run deps installs it)"
  local dir start mirror
  dir=$(mktemp -d /var/tmp/autoscrape-seed-rootfs.XXXXXX)
  BUILD_DIR=$dir
  trap remove_rootfs EXIT
  mirror=$(apt_mirror)
  start=$(date +%s)
  seed_log "debootstrap bookworm from $mirror into $dir (takes minutes; cached afterwards)"
  debootstrap --variant=minbase \
    --include=postgresql,prometheus-postgres-exporter,prometheus,prometheus-node-exporter \
    bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || { tail -n 30 "$dir.log" >&2; die "debootstrap failed"; }
  # What only the build needed (downloaded packages, apt lists) and what no test reads (docs).
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/{doc,man,info,locale}
  tar -C "$dir" -c . | docker_cli import --change 'LABEL autoscrape.test=1' - "$SEED_IMAGE" >/dev/null
  seed_log "built $SEED_IMAGE in $(( $(date +%s) - start )) s"
}

cmd_build() {
  docker_cli info >/dev/null 2>&1 || die "dockerd is not reachable"
  ensure_busybox_image "$BUSYBOX_IMAGE"
  image_id "$SEED_IMAGE" >/dev/null && return 0
  # One build at a time on this machine: a second caller waits, then finds the image.
  exec {lock}>/tmp/autoscrape-seed-build.lock
  flock "$lock"
  image_id "$SEED_IMAGE" >/dev/null || build_seed_image
  flock -u "$lock"
}

# tag_as SOURCE NAME: give SOURCE the upstream NAME unless NAME belongs to another image.
tag_as() {
  local source=$1 name=$2 existing
  existing=$(image_id "$name" || true)
  if [ -n "$existing" ] && [ "$existing" != "$(image_id "$source")" ]; then
    die "$name already names another image on this engine; refusing to move it (remove it or run elsewhere)"
  fi
  docker_cli tag "$source" "$name"
}

tag_upstream_names() {
  local name
  for name in "${SEED_TAGS[@]}"; do tag_as "$SEED_IMAGE" "$name"; done
  for name in "${STANDIN_TAGS[@]}"; do tag_as "$BUSYBOX_IMAGE" "$name"; done
}

untag_upstream_names() {
  [ -z "$(docker_cli ps -aq --filter "label=$SEED_LABEL")" ] || return 0
  local name seed_id busybox_id id
  seed_id=$(image_id "$SEED_IMAGE" || true)
  busybox_id=$(image_id "$BUSYBOX_IMAGE" || true)
  for name in "${SEED_TAGS[@]}" "${STANDIN_TAGS[@]}"; do
    id=$(image_id "$name" || true)
    if [ -n "$id" ] && { [ "$id" = "$seed_id" ] || [ "$id" = "$busybox_id" ]; }; then
      docker_cli image rm "$name" >/dev/null
    fi
  done
}

cmd_up() {
  local network=$1 suffix=$2
  [[ $suffix =~ ^[a-zA-Z0-9_.-]+$ ]] || die "bad suffix '$suffix': letters, digits, '_', '.', '-'"
  docker_cli network inspect "$network" >/dev/null 2>&1 || die "no network '$network'"
  image_id "$SEED_IMAGE" >/dev/null || die "$SEED_IMAGE is missing: run '$0 build' first"
  tag_upstream_names
  source "$ROOT/tests/lib/seed_services.sh"
  run_seed_services "$network" "$suffix"
  wait_seed_ready "$network" "$suffix"
}

cmd_down() {
  local suffix=$1 ids
  ids=$(docker_cli ps -aq --filter "label=$SEED_LABEL=$suffix")
  # shellcheck disable=SC2086
  [ -z "$ids" ] || docker_cli rm -f $ids >/dev/null
  untag_upstream_names
}

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

case "${1:-}" in
  build) [ $# -eq 1 ] || usage; cmd_build ;;
  up) [ $# -eq 3 ] || usage; cmd_up "$2" "$3" ;;
  down) [ $# -eq 2 ] || usage; cmd_down "$2" ;;
  untag) [ $# -eq 1 ] || usage; untag_upstream_names ;;
  *) usage ;;
esac
