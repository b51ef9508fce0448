#!/usr/bin/env bash
# Line coverage of src/ from the test suite: unit and integration tests in
# both admission-word layouts, plus the loom models, which are the only tests
# that reach the retry arms of the compare-and-swap loops. Prints the figure
# and every line of src/ that no test runs.
#
# Needs cargo-llvm-cov (`cargo install cargo-llvm-cov`) and the llvm-tools
# component (`rustup component add llvm-tools-preview`). Everything is built
# in debug mode, because optimized builds drop counts of inlined functions.
# The soak is left out: it runs no line that the model tests miss, and it
# takes minutes without optimization. The report merges every run.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo llvm-cov clean --workspace
cargo llvm-cov --no-report -p nozzle --all-features
RUSTFLAGS="--cfg nozzle_narrow" \
    cargo llvm-cov --no-report -p nozzle
RUSTFLAGS="--cfg loom" cargo llvm-cov --no-report -p nozzle --lib
# Bound 2 for every model: the point here is which lines run, not the full
# search that loom-tests/run.sh does.
RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
    cargo llvm-cov --no-report -p nozzle-loom-tests

lcov=target/llvm-cov-target/coverage.lcov
cargo llvm-cov report --lcov --output-path "$lcov"
# llvm-cov's own summary counts a line of a generic function once per
# instantiation, so a line that one instantiation skips shows as missed. The
# lcov data has one count per source line; the figure below comes from it.
awk -F'[:,]' -v root="$PWD/" '
    /^SF:/ { file = substr($0, 4); sub(root, "", file) }
    /^DA:/ && file ~ /^src\// {
        lines++
        if ($3 == 0) { missed++; uncovered = uncovered "  " file ":" $2 "\n" }
    }
    END {
        printf "coverage: %d of %d lines of src/ run (%.2f%%)\n",
            lines - missed, lines, 100 * (lines - missed) / lines
        if (missed > 0) printf "coverage: lines no test runs:\n%s", uncovered
    }' "$lcov"
