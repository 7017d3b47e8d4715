#!/usr/bin/env bash
# Runs every test executable of a build (unit_* first, then integration_*) and every
# tests/checks/*.sh, with dockerd and the remote-write receivers started for the integration tests.
# Counts test cases across all of them and ends with one line: "N passed, N failed".
#   tests/run_all.sh BUILD_DIR [NAME_SUBSTRING...]
set -uo pipefail
BUILD=$1; shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/lib/services.sh"
# The seed-stack test tags upstream image names (postgres:15, ...); a test that crashed before its
# own cleanup leaves them behind, so they go once services_cleanup removed its containers.
trap 'services_cleanup; bash "$ROOT/tests/lib/seed_stack.sh" untag' EXIT
OUT="$BUILD/test-results"
rm -rf "$OUT"; mkdir -p "$OUT"

PASSED=0
FAILED=0
FAILED_NAMES=()

# selected NAME [FILTER...]: true when no filter is given or NAME contains one of them.
selected() {
  local name=$1; shift
  [ $# -eq 0 ] && return 0
  local want
  for want in "$@"; do [[ $name == *"$want"* ]] && return 0; done
  return 1
}

# Catch2 v2 closes with "All tests passed (A assertions in N test cases)" or
# "test cases: N | P passed | F failed". A crash prints neither: then every listed case counts failed.
count_catch2() {
  local exe=$1 log=$2 rc=$3 line total passed failed
  line=$(grep -E '^(All tests passed|test cases:)' "$log" | tail -n 1)
  if [[ $line == "All tests passed"* ]]; then
    passed=$(sed -E 's/.* in ([0-9]+) test case.*/\1/' <<<"$line"); failed=0
  elif [[ $line == "test cases:"* ]]; then
    passed=$(sed -E 's/.*\| *([0-9]+) passed.*/\1/' <<<"$line")
    [[ $line == *passed* ]] || passed=0
    failed=$(sed -E 's/.*\| *([0-9]+) failed.*/\1/' <<<"$line")
    [[ $line == *failed* ]] || failed=0
  else
    total=$("$exe" --list-test-names-only 2>/dev/null | grep -c . || true)
    passed=0; failed=$(( total > 0 ? total : 1 ))
  fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  PASSED=$((PASSED + passed)); FAILED=$((FAILED + failed))
  [ "$failed" -gt 0 ] && FAILED_NAMES+=("$(basename "$exe") (see $log)")
  printf '%-28s %4d passed, %d failed\n' "$(basename "$exe")" "$passed" "$failed"
}

run_catch2() {
  local exe=$1 log="$OUT/$(basename "$1").log" rc=0
  "$exe" --order lex >"$log" 2>&1 || rc=$?
  count_catch2 "$exe" "$log" "$rc"
}

run_check_script() {
  local script=$1 log="$OUT/$(basename "$1" .sh).log"
  if bash "$script" >"$log" 2>&1; then
    PASSED=$((PASSED + 1)); printf '%-28s %4d passed, 0 failed\n' "$(basename "$script")" 1
  else
    FAILED=$((FAILED + 1)); FAILED_NAMES+=("$(basename "$script") (see $log)")
    printf '%-28s %4d passed, 1 failed\n' "$(basename "$script")" 0
  fi
}

mapfile -t UNIT < <(find "$BUILD/tests" -type f -executable -name 'unit_*' 2>/dev/null | sort)
mapfile -t INTEGRATION < <(find "$BUILD/tests" -type f -executable -name 'integration_*' 2>/dev/null | sort)
mapfile -t CHECKS < <(find "$ROOT/tests/checks" -name '*.sh' 2>/dev/null | sort)

# ASan/UBSan: any report fails the test executable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export AUTOSCRAPE_BIN="$BUILD/agent/autoscrape"
export AUTOSCRAPE_ROOT="$ROOT"

for exe in "${UNIT[@]}"; do selected "$(basename "$exe")" "$@" && run_catch2 "$exe"; done

if [ ${#INTEGRATION[@]} -gt 0 ] || [ ${#CHECKS[@]} -gt 0 ]; then
  ensure_dockerd && ensure_busybox_image && start_victoria_metrics && start_prometheus_receiver || {
    echo "could not start the services the integration tests need" >&2
    FAILED=$((FAILED + 1)); FAILED_NAMES+=("services")
  }
  export AUTOSCRAPE_TEST_VM_URL=${VM_URL:-} AUTOSCRAPE_TEST_PROMETHEUS_URL=${PROM_URL:-}
  export AUTOSCRAPE_TEST_IMAGE=autoscrape-test/busybox:latest
  for exe in "${INTEGRATION[@]}"; do selected "$(basename "$exe")" "$@" && run_catch2 "$exe"; done
  for script in "${CHECKS[@]}"; do selected "$(basename "$script")" "$@" && run_check_script "$script"; done
fi

for name in "${FAILED_NAMES[@]}"; do echo "FAILED: $name"; done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
