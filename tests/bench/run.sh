#!/usr/bin/env bash
# run.sh - `make bench` (after scripts/deps.sh --bench): runs the benchmarks (not part of make test) and prints their tables.
# Arguments pass through to bench_bus: [ticks per round] [rounds] [rpc calls].
set -eu
BUILD=${BUILD:-build}
export BUILD CBH_LOG_DIR=${CBH_LOG_DIR:-$BUILD/test-logs}
mkdir -p "$CBH_LOG_DIR"
# Third-party teardown leaks only, as in tests/run.sh (for make SAN=1 bench).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/lsan.supp"
echo "bench_bus on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
"$BUILD/bench/bench_bus" "$@"
"$BUILD/bench/bench_codec" 1000000 7
"$BUILD/bench/bench_inbound" 300000
"$BUILD/bench/bench_sentiment" 15 3
"$BUILD/bench/bench_venue_sim_ws" 16 100000 3 3
"$BUILD/bench/bench_feed_parse" 20000
"$BUILD/bench/bench_feed_pipeline" 1460 10
"$BUILD/bench/bench_feed_pipeline" 1460 10 pinned
"$BUILD/bench/bench_feed_pipeline" rss 60
"$BUILD/bench/bench_feed_rpc" 2000 2000
"$BUILD/bench/bench_edge" 5 3 64
"$BUILD/bench/bench_edge_ws" 1000 1000 5
"$BUILD/bench/bench_orders" 1000 4 200
