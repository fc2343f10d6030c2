"""The in-sandbox test harness for functional and assertion tests (all tests of a sample in one execution).

The harness is a fixed program, ``_harness_program.py`` beside this module, sent to the sandbox as text (it is
never imported here). The solution arrives as ``solution.py`` in the work dir, the test spec on stdin. For
assertion tests it splits into a referee (the tests) and a solution process that only ever hands back plain
values or opaque handles; see that file's docstring for the protocol and what it protects against.
"""

from __future__ import annotations

from pathlib import Path

HARNESS_FILENAME = "harness.py"
SOLUTION_FILENAME = "solution.py"
HARNESS_SOURCE = (Path(__file__).with_name("_harness_program.py")).read_text(encoding="utf-8")
