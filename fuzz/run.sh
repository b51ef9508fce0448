#!/usr/bin/env bash
# Runs each fuzz target for a bounded time from its corpus and prints the
# executions per second libFuzzer reports. Fails on the first finding; the
# input that triggered it is left in fuzz/artifacts/TARGET/.
#
#   bash fuzz/run.sh          # every target, 60 seconds each
#   bash fuzz/run.sh 300      # every target, 300 seconds each
#   bash fuzz/run.sh 60 config
#
# Needs nightly Rust and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(operations config extensions)
fi

cargo +nightly fuzz build -O
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    log=$(mktemp)
    if ! cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz: $target found a failing input; see fuzz/artifacts/$target/" >&2
        rm -f "$log"
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf 'fuzz: %s ran %ss without a finding: %s executions, %s per second\n' \
        "$target" "$seconds" "$runs" "$rate"
    rm -f "$log"
done
