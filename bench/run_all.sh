#!/usr/bin/env bash
# Runs the benchmarks of a -Dbench=true build: every bench_* binary, then every bench/*/run.sh
# (those drive the real peers: Prometheus in agent mode, vmagent, dockerd). Figures go to stdout;
# the latest are recorded by hand in bench/RESULTS.md with the date and the machine.
#   bench/run_all.sh BUILD_DIR [NAME_SUBSTRING...]
set -uo pipefail
BUILD=$1; shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/lib/services.sh"
trap services_cleanup EXIT
export AUTOSCRAPE_BIN="$BUILD/agent/autoscrape" AUTOSCRAPE_BENCH_BUILD="$BUILD"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%F)"

wanted() {
  local name=$1; shift
  [ $# -eq 0 ] && return 0
  local w; for w in "$@"; do [[ $name == *"$w"* ]] && return 0; done
  return 1
}

for exe in $(find "$BUILD/bench" -type f -executable -name 'bench_*' | sort); do
  wanted "$(basename "$exe")" "$@" || continue
  echo "== $(basename "$exe")"; "$exe"
done
ensure_dockerd && ensure_busybox_image
for script in $(find "$ROOT/bench" -mindepth 2 -name run.sh | sort); do
  wanted "$script" "$@" || continue
  echo "== $script"; bash "$script"
done
