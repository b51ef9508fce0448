#!/usr/bin/env bash
# Prints the flash and RAM that the nozzle adds to a minimal thumbv7em-none-eabihf
# image, built in release with opt-level "s", LTO and one codegen unit.
#
# Method: build the image in src/main.rs three times (no nozzle, the per-call
# hot path, the hot path plus tick) and subtract the baseline's section sizes,
# read with binutils `size -A`. The differences include what the nozzle pulls in
# from core and compiler_builtins (64-bit division, for one).
set -euo pipefail
cd "$(dirname "$0")"

# Prints the size of section $2 in ELF file $1.
section() {
    size -A "$1" | awk -v name="$2" '$1 == name { print $2 }'
}

elf=${CARGO_TARGET_DIR:-target}/thumbv7em-none-eabihf/release/nozzle-code-size
declare -A text rodata ram
for variant in baseline acquire tick; do
    features=()
    if [[ $variant != baseline ]]; then
        features=(--features "$variant")
    fi
    cargo build --release --locked --quiet "${features[@]}"
    text[$variant]=$(section "$elf" .text)
    rodata[$variant]=$(section "$elf" .rodata)
    ram[$variant]=$(( $(section "$elf" .data) + $(section "$elf" .bss) ))
done

printf '%s\n' "rustc: $(rustc --version)"
printf '%-36s %8s %8s\n' "image" ".text" "+ nozzle"
printf '%-36s %8d %8s\n' "baseline (no nozzle)" "${text[baseline]}" "-"
printf '%-36s %8d %8d\n' "try_acquire + record" "${text[acquire]}" "$((text[acquire] - text[baseline]))"
printf '%-36s %8d %8d\n' "try_acquire + record + tick" "${text[tick]}" "$((text[tick] - text[baseline]))"
printf '%s\n' "with tick, .rodata grows by $((rodata[tick] - rodata[baseline])) bytes" \
    "and .data + .bss (the static nozzle, in RAM) by $((ram[tick] - ram[baseline])) bytes"
