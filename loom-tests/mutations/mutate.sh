#!/usr/bin/env bash
# Applies each deliberate bug from mutations.py to src/ in turn, runs every
# loom model with the bounds in bounds.txt, prints which tests caught it, and
# restores src/ with git. Refuses to start with uncommitted changes in src/,
# because the restore would throw them away.
#
#   bash loom-tests/mutations/mutate.sh            # every mutation
#   bash loom-tests/mutations/mutate.sh NAME ...   # only these
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! git diff --quiet HEAD -- src; then
    echo "mutate.sh: src/ has uncommitted changes; commit or stash them first" >&2
    exit 1
fi
restore() { git checkout -q HEAD -- src; }
trap restore EXIT

mutations=("$@")
if [[ ${#mutations[@]} -eq 0 ]]; then
    mapfile -t mutations < <(python3 loom-tests/mutations/mutations.py list)
fi
mapfile -t models < <(grep -v '^#' loom-tests/bounds.txt | grep -v '^[[:space:]]*$')
export RUSTFLAGS="--cfg loom"
# Cargo arguments that select one entry of bounds.txt.
selection() {
    if [[ "$1" == lib ]]; then
        echo "-p nozzle --lib"
    else
        echo "-p nozzle-loom-tests --test $1"
    fi
}
log=$(mktemp)
uncaught=0

for mutation in "${mutations[@]}"; do
    python3 loom-tests/mutations/mutations.py apply "$mutation"
    cargo build -q -p nozzle-loom-tests --release --tests
    caught=()
    for entry in "${models[@]}"; do
        read -r file bound <<<"$entry"
        limit=()
        [[ "$bound" != none ]] && limit=(LOOM_MAX_PREEMPTIONS="$bound")
        # A mutation may also make a model loop until loom gives up, or
        # run far past its usual time; both count as caught.
        if ! env -u LOOM_MAX_PREEMPTIONS "${limit[@]}" timeout 300 \
            cargo test --release $(selection "$file") \
            -- --test-threads=1 >"$log" 2>&1; then
            while read -r test; do
                caught+=("$file::$test")
            done < <(grep -E '^test .* \.\.\. FAILED$' "$log" | awk '{print $2}')
            if ! grep -qE '^test .* \.\.\. FAILED$' "$log"; then
                caught+=("$file (timed out or aborted)")
            fi
        fi
    done
    restore
    if [[ ${#caught[@]} -eq 0 ]]; then
        printf 'mutation %s: NOT CAUGHT\n' "$mutation"
        uncaught=$((uncaught + 1))
    else
        printf 'mutation %s: caught by %s\n' "$mutation" "${caught[*]}"
    fi
done
rm -f "$log"
exit "$uncaught"
