"""Runs the hostile corpus through a SandboxPool as an unprivileged user (started by test_nonroot.py).

Standard library + thinkforge's sandbox only (the system interpreter runs it, without the test's venv).
Usage: nonroot_runner.py CANARY PRIVATE PORT RO_DIR; prints one JSON object: layers, probe, per case
status/stdout/stderr tails and peak memory, and three referee jobs (started afresh per job on this path).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys

from hostile_corpus import CASES, DANGEROUS, PROBE, fill, isolated
from referee_program import ECHO, REFEREE
from thinkforge.defaults import SANDBOX
from thinkforge.sandbox import Limits, SandboxPool

LIMITS = Limits(timeout_s=3.0, cpu_s=3.0, memory_mb=512, max_processes=32, max_output_bytes=1 << 20, max_file_mb=16)
#: Cases whose containment needs root-only facilities and are checked by test_hostile.py as root.
ROOT_ONLY = {"spawn_shell"}  # the shell's `id -u` is 0 inside the user namespace by design


def main() -> None:
    canary, private, port, ro_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    defaults = dataclasses.replace(SANDBOX, ro_paths=(*SANDBOX.ro_paths, ro_dir))
    out: dict = {"uid": os.getuid(), "cases": {}}
    with SandboxPool(1, limits=LIMITS, defaults=defaults) as pool:
        out["layers"] = {"active": list(pool.layers.active), "missing": pool.layers.missing}
        probe = pool.run(PROBE)
        out["probe"] = probe.stdout
        safe = probe.status == "ok" and isolated(probe.stdout, os.getpid())
        cases = dict(CASES)
        if safe:  # never let the fork bomb or kill(-1) loose without a private pid namespace
            cases.update(DANGEROUS)
        for name, (source, _expected) in sorted(cases.items()):
            if name in ROOT_ONLY:
                continue
            r = pool.run(fill(source, canary, private, port))
            out["cases"][name] = {"status": r.status, "stdout": r.stdout[-2000:], "stderr": r.stderr[-2000:],
                                  "peak_memory_mb": r.peak_memory_mb}
        out["alive"] = pool.run("print('alive')").stdout
        jobs = [pool.run(program, referee=REFEREE, referee_input="q") for program in (ECHO, "import os\nos.kill(-1, 9)", ECHO)]
        out["referee"] = [[j.status, j.referee_output and json.loads(j.referee_output)["answer"]] for j in jobs]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
