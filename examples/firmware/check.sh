#!/usr/bin/env bash
# Lints the firmware crates, runs both images under QEMU, shows that a wrong
# expected flow rate fails them, and prints the nozzle's code size.
#
# Needs qemu-system-arm, binutils' `size`, and the rustup targets
# thumbv6m-none-eabi, thumbv7m-none-eabi and thumbv7em-none-eabihf; .ci/run
# installs them. Exits non-zero if any step fails or a run times out.
set -euo pipefail
cd "$(dirname "$0")"

# Seconds one QEMU run may take. A passing run takes well under one second.
RUN_TIMEOUT_SECONDS=60

# One target directory for all firmware crates, so that the build scripts and
# procedural macros they share are compiled once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# Runs the image of crate $1 under QEMU with the extra cargo arguments $3...,
# prints its output, and fails unless QEMU exits with status $2.
run_image() {
    local crate=$1 expected=$2
    shift 2
    local log="$logs/$crate.log"
    local status=0

    # Build outside the timeout, so that it limits only the QEMU run.
    (cd "$crate" && cargo build --release --locked --quiet "$@")
    # QEMU's output goes to a file, never into a pipe: with a reader that
    # closes early, such as `head`, the run hangs. `timeout` also stops the
    # QEMU child of `cargo run`, and status 124 means the run timed out.
    (cd "$crate" && timeout "$RUN_TIMEOUT_SECONDS" cargo run --release --locked --quiet "$@") \
        </dev/null >"$log" 2>&1 || status=$?
    # QEMU's lm3s6965evb model prints this at reset, before the firmware runs.
    grep -v '^Timer with period zero, disabling$' "$log" || true

    if [[ $status -ne $expected ]]; then
        echo "error: $crate $*: QEMU exited with status $status, expected $expected" >&2
        return 1
    fi
}

echo "--- format and lint the firmware crates"
for crate in checks cortex-m3 cortex-m0 code-size; do
    (cd "$crate" && cargo fmt --check)
done
# The checks crate has no target of its own, so lint it for the Cortex-M3.
(cd checks && cargo clippy --locked --target thumbv7m-none-eabi -- -D warnings)
(cd checks && cargo clippy --locked --target thumbv7m-none-eabi --features wrong-expectation -- -D warnings)
for crate in cortex-m3 cortex-m0; do
    (cd "$crate" && cargo clippy --release --locked -- -D warnings)
done
(cd code-size && cargo clippy --release --locked --features tick -- -D warnings)

qemu-system-arm --version | head -n 1

for crate in cortex-m3 cortex-m0; do
    echo "--- $crate under QEMU: every check must pass"
    run_image "$crate" 0

    echo "--- $crate under QEMU with a wrong expected flow rate: the run must fail"
    run_image "$crate" 1 --features wrong-expectation
    if ! grep -q 'acceptance FAILED: flow rate in interval 13' "$logs/$crate.log"; then
        echo "error: $crate failed, but not on the wrong expected flow rate" >&2
        exit 1
    fi
done

echo "--- code size of the nozzle on thumbv7em-none-eabihf"
bash code-size/measure.sh

echo "firmware checks passed"
