"""Deliberate bugs in the nozzle core, one at a time, for checking that the
loom models catch each of them.

Each mutation names a file under src/, an exact piece of its text, and the
text that replaces it. `apply NAME` rewrites the file in place; `list` prints
the names. The driver is mutate.sh beside this file, which restores src/ with
git after every mutation.
"""

import pathlib
import sys

MUTATIONS = {
    # The attempt is counted with a separate load and store, so two threads
    # can read the same attempt index.
    "admission_load_store": (
        "src/admission.rs",
        "    let before = Admission::unpack(word.fetch_add(ONE_ATTEMPT, Relaxed));\n",
        "    let loaded = word.load(Relaxed);\n"
        "    word.store(loaded.wrapping_add(ONE_ATTEMPT), Relaxed);\n"
        "    let before = Admission::unpack(loaded);\n",
    ),
    # An outcome is counted with a separate load and store.
    "increment_load_store": (
        "src/counter.rs",
        "        let before = self.0.fetch_add(1, Relaxed);\n",
        "        let before = self.0.load(Relaxed);\n"
        "        self.0.store(before.wrapping_add(1), Relaxed);\n",
    ),
    # The close reads a counter and then stores zero, instead of swapping.
    "take_load_then_store_zero": (
        "src/counter.rs",
        "        self.0.swap(0, Relaxed).min(COUNT_MAX)\n",
        "        let value = self.0.load(Relaxed);\n"
        "        self.0.store(0, Relaxed);\n"
        "        value.min(COUNT_MAX)\n",
    ),
    # The interval lock is taken with a load and a store, not a CAS.
    "try_lock_load_then_store": (
        "src/lock.rs",
        "        self.lock\n"
        "            .compare_exchange(current.0, current.0 | LockWord::BUSY, Acquire, Relaxed)\n"
        "            .ok()?;\n",
        "        self.lock.store(current.0 | LockWord::BUSY, Acquire);\n",
    ),
    # The interval lock is taken with Relaxed, so the next holder may miss
    # the previous holder's writes to the interval start and sequence.
    "try_lock_acquire_relaxed": (
        "src/lock.rs",
        "            .compare_exchange(current.0, current.0 | LockWord::BUSY, Acquire, Relaxed)\n",
        "            .compare_exchange(current.0, current.0 | LockWord::BUSY, Relaxed, Relaxed)\n",
    ),
    # The close installs the next admission word with a plain store, losing
    # attempts counted between its load and the store.
    "close_store_instead_of_cas": (
        "src/close.rs",
        "            match self\n"
        "                .admission\n"
        "                .compare_exchange_weak(current, next.pack(), Relaxed, Relaxed)\n"
        "            {\n"
        "                Ok(_) => break (closed, next, judged),\n"
        "                Err(actual) => current = actual,\n"
        "            }\n",
        "            self.admission.store(next.pack(), Relaxed);\n"
        "            if true {\n"
        "                break (closed, next, judged);\n"
        "            }\n"
        "            current = self.admission.load(Relaxed);\n",
    ),
    # `tick` judges due-ness from the start it read before taking the lock,
    # so a tick that lost the race closes the next interval too early.
    "tick_stale_start": (
        "src/nozzle.rs",
        "        let mut guard = self.try_lock()?;\n"
        "        match classify(self.start.get(), interval, now) {\n",
        "        let seen = self.start.get();\n"
        "        let mut guard = self.try_lock()?;\n"
        "        match classify(seen, interval, now) {\n",
    ),
    # The lock holder releases without applying a shut-off requested while
    # it held the lock.
    "release_drops_shut_request": (
        "src/lock.rs",
        "            if current.shut_requested() {\n"
        "                nozzle.apply_shut_off();\n"
        "            }\n",
        "            let _ = LockWord::shut_requested;\n",
    ),
    # A shut-off that finds the lock held gives up without leaving a request.
    "shut_off_request_dropped": (
        "src/lock.rs",
        "                (current.0 | request, Relaxed)\n",
        "                (current.0, Relaxed)\n",
    ),
    # Threads that saw the fold threshold each fold, instead of re-checking
    # the field after a failed exchange.
    "fold_without_recheck": (
        "src/admission.rs",
        "        if state.attempts < FOLD_AT {\n"
        "            return;\n"
        "        }\n"
        "        state.attempts = state.attempts.saturating_sub(ATTEMPTS_SATURATED);\n",
        "        state.attempts = state.attempts.saturating_sub(ATTEMPTS_SATURATED);\n",
    ),
    # A counter that overshot its bound is stored back to the bound blindly,
    # which can overwrite a close's reset.
    "pull_down_blind_store": (
        "src/counter.rs",
        "        let mut current = self.0.load(Relaxed);\n"
        "        while current > COUNT_MAX {\n",
        "        self.0.store(COUNT_MAX, Relaxed);\n"
        "        let mut current = 0;\n"
        "        while current > COUNT_MAX {\n",
    ),
}


def main() -> None:
    command = sys.argv[1]
    if command == "list":
        print("\n".join(MUTATIONS))
        return
    name = sys.argv[2]
    path, old, new = MUTATIONS[name]
    file = pathlib.Path(path)
    text = file.read_text()
    if text.count(old) != 1:
        sys.exit(f"mutation {name}: expected text not found once in {path}")
    file.write_text(text.replace(old, new))


if __name__ == "__main__":
    main()
