#!/bin/sh
# Container stats benchmark: COUNT busybox containers on a network of this run, then bench_stats
# measures the process CPU of PASSES passes over them (1 s apart, so it takes PASSES seconds; the
# cost of a pass does not depend on the interval). Prints the figures; RESULTS.md is updated by
# hand from them. Containers and network carry autoscrape.test=1 and a per-run label, and are
# removed on exit (only this run's: other tests may be using dockerd).
#   usage: bench/stats/run.sh [path/to/bench_stats]
set -eu
BIN=${1:-build-bench/bench/stats/bench_stats}
COUNT=${COUNT:-200}
PASSES=${PASSES:-60}
IMAGE=autoscrape-test/busybox:latest
NET=asbench-stats-$$
LABEL=autoscrape.bench=stats-$$

cleanup() {
    docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    for _ in 1 2 3 4 5; do
        docker network rm "$NET" >/dev/null 2>&1 && break
        sleep 1
    done
}
trap cleanup EXIT INT TERM

[ -x "$BIN" ] || { echo "build it first: meson setup build-bench -Dbench=true && ninja -C build-bench bench/stats/bench_stats" >&2; exit 2; }
docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "no $IMAGE: source tests/lib/services.sh && ensure_busybox_image" >&2; exit 2; }

docker network create --label autoscrape.test=1 --label "$LABEL" "$NET" >/dev/null
echo "== starting $COUNT containers"
seq "$COUNT" | xargs -P 4 -I{} docker run -d --network "$NET" \
    --label autoscrape.test=1 --label "$LABEL" "$IMAGE" sleep 3600 >/dev/null
echo "== $PASSES passes over $COUNT containers"
"$BIN" --network "$NET" --expect "$COUNT" --passes "$PASSES"
echo "== machine: $(date -u), $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
