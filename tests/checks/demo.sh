#!/usr/bin/env bash
# `./run demo` against the build under test: the demo's containers are discovered, their series
# arrive through remote write in the receiver the demo starts, and nothing the demo started is left.
# Run by tests/run_all.sh (AUTOSCRAPE_BIN, AUTOSCRAPE_ROOT).
set -euo pipefail
out=$(AUTOSCRAPE_DEMO_SECONDS=1 bash "$AUTOSCRAPE_ROOT/tests/demo.sh" "$AUTOSCRAPE_BIN" 2>&1) || {
  echo "$out"; echo "FAIL: tests/demo.sh exited with an error"; exit 1
}
echo "$out"
fail() { echo "FAIL: $*"; exit 1; }
# One demo_requests_total series per scraped demo container (demo-web and demo-api; demo-worker
# has no scrape label), each with its container label.
for c in demo-web demo-api; do
  grep -q "\"__name__\":\"demo_requests_total\".*\"container\":\"$c\"" <<<"$out" ||
    fail "no demo_requests_total of $c in the receiver"
  grep -Eq "\"__name__\":\"up\",[^}]*\"container\":\"$c\"[^]]*\"1\"\]" <<<"$out" || fail "up of $c is not 1"
done
grep -q 'demo stopped; everything it started is gone' <<<"$out" || fail "the demo did not clean up"
left=$(docker ps -aq --filter label=autoscrape.demo=1)
[ -z "$left" ] || fail "demo containers left behind: $left"
echo "ok"
