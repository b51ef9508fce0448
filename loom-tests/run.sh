#!/usr/bin/env bash
# Runs every loom model of the nozzle crate, each test file with its own
# preemption bound from bounds.txt. README.md beside this script explains why
# each bound is enough.
#
#   bash loom-tests/run.sh            # the 64-bit admission word
#   bash loom-tests/run.sh narrow     # the 32-bit layout (--cfg nozzle_narrow)
#
# Extra arguments after the layout go to the test binaries (for example a
# test name filter, or --nocapture to see how many interleavings each explored).
set -euo pipefail
cd "$(dirname "$0")/.."

rustflags="--cfg loom"
if [[ "${1:-}" == "narrow" ]]; then
    rustflags="--cfg loom --cfg nozzle_narrow"
    shift
fi
[[ "${1:-}" == "--" ]] && shift

mapfile -t models < <(grep -v '^#' loom-tests/bounds.txt | grep -v '^[[:space:]]*$')

# Cargo arguments that select one entry of bounds.txt.
selection() {
    if [[ "$1" == lib ]]; then
        echo "-p nozzle --lib"
    else
        echo "-p nozzle-loom-tests --test $1"
    fi
}

export RUSTFLAGS="$rustflags"
cargo build -q -p nozzle-loom-tests --release --tests

started=$SECONDS
for entry in "${models[@]}"; do
    read -r file bound <<<"$entry"
    begun=$SECONDS
    if [[ "$bound" == none ]]; then
        env -u LOOM_MAX_PREEMPTIONS \
            cargo test -q --release $(selection "$file") -- "$@"
    else
        LOOM_MAX_PREEMPTIONS="$bound" \
            cargo test -q --release $(selection "$file") -- "$@"
    fi
    printf 'loom: %s (bound %s, %s) passed in %ds\n' \
        "$file" "$bound" "$rustflags" "$((SECONDS - begun))"
done
printf 'loom: all models passed in %ds\n' "$((SECONDS - started))"
