#!/usr/bin/env bash
# Runs every libFuzzer target of a -Dfuzz=true build for SECONDS each, on a scratch copy of its
# seed corpus (tests/fuzz/corpus/<name without _fuzz>), and prints the executions each managed.
# A crash leaves its reproducer as tests/fuzz/crash-* and fails the run.
#   tests/fuzz/run_all.sh BUILD_DIR SECONDS
set -uo pipefail
BUILD=$1
SECONDS_EACH=${2:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for target in $(find "$BUILD/tests/fuzz" -maxdepth 1 -type f -executable -name '*_fuzz' | sort); do
  name=$(basename "$target")
  seeds="$ROOT/tests/fuzz/corpus/${name%_fuzz}"
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds/." "$work/"
  log="$BUILD/$name.log"
  if "$target" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -artifact_prefix="$ROOT/tests/fuzz/crash-$name-" \
      "$work" >"$log" 2>&1; then
    printf '%-20s ok   %s\n' "$name" "$(grep -o 'Done [0-9]* runs' "$log" | tail -n 1)"
  else
    printf '%-20s FAIL see %s\n' "$name" "$log"; status=1
  fi
  rm -rf "$work"
done
exit $status
