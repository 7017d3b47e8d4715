#!/bin/sh
# Discovery benchmark against this machine's dockerd: start-event -> update latency over 200
# sequential `docker run`, then initial sync time with 500 running containers. Prints the figures;
# RESULTS.md is updated by hand from them. Containers and network carry autoscrape.test=1 and a
# per-run label, and are removed on exit (only this run's, other tests may be using dockerd).
#   usage: bench/discovery/run.sh [path/to/bench_discovery]
set -eu
BIN=${1:-build-bench/bench/discovery/bench_discovery}
LATENCY_COUNT=${LATENCY_COUNT:-200}
INITIAL_COUNT=${INITIAL_COUNT:-500}
IMAGE=autoscrape-test/busybox:latest
NET=asbench-discovery-$$
LABEL=autoscrape.bench=discovery-$$

cleanup() {
    docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    # The engine may still be releasing endpoints of the containers just removed.
    for _ in 1 2 3 4 5; do
        docker network rm "$NET" >/dev/null 2>&1 && break
        sleep 1
    done
}
trap cleanup EXIT INT TERM

[ -x "$BIN" ] || { echo "build it first: meson setup build-bench -Dbench=true && ninja -C build-bench bench/discovery/bench_discovery" >&2; exit 2; }
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    # The same image the integration fixture imports: a static busybox, nothing else.
    root=$(mktemp -d)
    mkdir -p "$root/bin"
    cp /bin/busybox "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    ln -s busybox "$root/bin/sleep"
    tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
    rm -rf "$root"
fi

docker network create --label autoscrape.test=1 "$NET" >/dev/null
echo "== $LATENCY_COUNT containers started one after another"
"$BIN" latency --network "$NET" --count "$LATENCY_COUNT" --label "$LABEL"

echo "== initial sync with $INITIAL_COUNT running containers"
seq $((INITIAL_COUNT - LATENCY_COUNT)) | xargs -P 4 -I{} docker run -d --network "$NET" \
    --label autoscrape.test=1 --label "$LABEL" "$IMAGE" sleep 3600 >/dev/null
"$BIN" initial --network "$NET" --expect "$INITIAL_COUNT"

echo "== machine: $(date -u), $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p')"
