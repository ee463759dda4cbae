#!/usr/bin/env bash
# run.sh - runs each test binary in its own process with a timeout, then each fuzzer briefly.
# Environment: BUILD (build dir, default build), FUZZ (0 to skip fuzzers),
# FUZZ_SECONDS (per fuzzer, default 5), ONLY (substring filter on test names).
set -u
BUILD=${BUILD:-build}
FUZZ=${FUZZ:-1}
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
ONLY=${ONLY:-}
LOGS="$BUILD/test-logs"
mkdir -p "$LOGS"
export CBH_LOG_DIR="$LOGS"
export BUILD
# Third-party teardown leaks only (see the file); our own code is never listed there.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/lsan.supp"

passed=0
failed=0
failures=()

run_one() { # name timeout command...
  local name=$1 limit=$2
  shift 2
  if [ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]]; then
    return
  fi
  local log="$LOGS/${name//\//_}.log" start end rc
  start=$(date +%s.%N)
  timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  local secs
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    printf 'PASS %-40s %6ss\n' "$name" "$secs"
  else
    failed=$((failed + 1))
    failures+=("$name")
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
      printf 'FAIL %-40s %6ss (timed out after %ss)\n' "$name" "$secs" "$limit"
    else
      printf 'FAIL %-40s %6ss (exit %d)\n' "$name" "$secs" "$rc"
    fi
    sed 's/^/    | /' "$log" | tail -n 40
  fi
}

for t in "$BUILD"/tests/unit/test_*; do
  [ -x "$t" ] || continue
  run_one "unit/$(basename "$t")" 120 "$t"
done
for t in "$BUILD"/tests/integration/test_*; do
  [ -x "$t" ] || continue
  run_one "integration/$(basename "$t")" 300 "$t"
done
run_one "docs/proto-tables" 60 python3 scripts/proto_tables.py --check
# Debian's python3 (python3-zmq, python3-msgpack from scripts/deps.sh) against the real services.
run_one "integration/test_proto_doc_market.py" 120 /usr/bin/python3 tests/integration/test_proto_doc_market.py
# compose/ against build/bin and this machine's Debian packages (Docker itself does not run here).
run_one "integration/test_compose.py" 120 /usr/bin/python3 tests/integration/test_compose.py
run_one "docs/openapi" 60 python3 scripts/check_openapi.py services/api-edge/www/openapi.json

if [ "$FUZZ" != "0" ]; then
  for f in build/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    seeds="tests/fuzz/corpus/$name"
    work=$(mktemp -d)
    # New inputs go to a scratch dir; the seed corpus in the repo is only read.
    run_one "fuzz/$name" $((FUZZ_SECONDS + 60)) "$f" -max_total_time="$FUZZ_SECONDS" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" "$seeds"
    rm -rf "$work"
  done
fi

# Last: no test output or service log under $LOGS may hold a secret of
# tests/secrets.list (the paper accounts and the test secrets). It runs
# whatever ONLY selects, over everything the run (and earlier runs) left there.
ONLY='' run_one "secrets/no_leak" 120 scripts/check_secrets.sh "$LOGS" tests/secrets.list \
  secrets_no_leak.log

echo
if [ $failed -gt 0 ]; then
  echo "failed: ${failures[*]}"
fi
echo "tests: $passed passed, $failed failed"
[ $failed -eq 0 ]
