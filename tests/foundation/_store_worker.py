"""A real stage process for the SIGKILL test: resumable work through RunStore, small durable batches."""

from __future__ import annotations

import hashlib
import random
import sys
import time

from thinkforge.runs import RunStore, stable_hash


def result_of(unit: int) -> dict:
    key = stable_hash({"unit": unit})
    return {"key": key, "unit": unit, "value": hashlib.sha256(str(unit).encode()).hexdigest()}


def main(out_dir: str, n_units: int) -> int:
    store = RunStore.open(out_dir, {"stage": "sigkill-test", "n_units": n_units}, stage="work")
    todo = store.pending(range(n_units), lambda u: stable_hash({"unit": u}))
    rng = random.Random()
    while todo:
        size = rng.randint(1, 5)
        batch, todo = todo[:size], todo[size:]
        store.append(result_of(u) for u in batch)
        time.sleep(rng.uniform(0, 0.004))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
