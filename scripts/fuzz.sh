#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS under ASan, starting from the seed corpus in
# fuzz/corpus/TARGET (new inputs go to .build-fuzz/corpus/TARGET, crashes to
# .build-fuzz/crashes/), and prints how many inputs each one ran. Exits non-zero on a crash:
# the crashing input is then the regression test to add under fuzz/corpus/TARGET.
# With FUZZ_RUNS=N set, each target runs N inputs instead (SECONDS is then ignored). A
# libFuzzer dictionary fuzz/TARGET.dict is used when there is one.
# Usage: scripts/fuzz.sh SECONDS TARGET...
set -euo pipefail
seconds="$1"; shift
bin=.build-fuzz/debug/axrpc-fuzz
status=0
for target in "$@"; do
    work=".build-fuzz/corpus/$target"
    mkdir -p "$work" .build-fuzz/crashes .build-fuzz/logs
    log=".build-fuzz/logs/$target.log"
    budget=(-max_total_time="$seconds")
    [ -n "${FUZZ_RUNS:-}" ] && budget=(-runs="$FUZZ_RUNS")
    dict=()
    [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
    started=$SECONDS
    if "$bin" "$target" "${budget[@]}" "${dict[@]}" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=".build-fuzz/crashes/$target-" "$work" "fuzz/corpus/$target" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "fuzz $target: $runs inputs in $((SECONDS - started)) s, no crash"
    else
        echo "fuzz $target: CRASH (log: $log; input under .build-fuzz/crashes/)"
        tail -40 "$log"
        status=1
    fi
done
exit $status
