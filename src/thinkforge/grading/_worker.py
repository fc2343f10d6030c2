"""Symbolic worker process: reads JSON requests on stdin, answers one JSON line each on stdout.

Started by :mod:`thinkforge.grading.symbolic`; exits when stdin closes.
"""

from __future__ import annotations

import json
import logging
import resource
import sys


def main() -> int:
    """Serve comparison requests until stdin closes; ``argv[1]``: the address-space cap in MiB."""
    logging.disable(logging.CRITICAL)
    if len(sys.argv) > 1:
        limit = int(sys.argv[1]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from thinkforge.grading.symbolic import compare_in_process, silence_math_verify

    silence_math_verify()
    compare_in_process("1", "1")  # warm the parser before announcing readiness
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            result = compare_in_process(request["gold"], request["pred"], int(request["float_rounding"]))
            reply = {"outcome": result.outcome, "gold_parsed": result.gold_parsed, "pred_parsed": result.pred_parsed}
        except Exception as exc:  # noqa: BLE001 - any failure becomes an "error" reply, never a dead worker
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
