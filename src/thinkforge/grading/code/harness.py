"""The in-sandbox test harness for functional and assertion tests (all tests of a sample in one execution).

The harness is a fixed program, ``_harness_program.py`` beside this module, sent to the sandbox as text (it is
never imported here). The solution arrives as ``solution.py`` in the work dir. Functional tests: the spec on
stdin, results on stdout. Assertion tests: the same text runs as a persistent :class:`~thinkforge.sandbox.Referee`
(the tests) and, per sample, as a fresh solution process that only ever hands back plain values or opaque
handles; see that file's docstring for the protocol and what it protects against.
"""

from __future__ import annotations

from pathlib import Path

from thinkforge.sandbox import Referee

HARNESS_FILENAME = "harness.py"
SOLUTION_FILENAME = "solution.py"
#: The solution's bytecode (``marshal``), compiled by the judge beside it; the harness compiles the source when
#: this file is missing or unreadable.
SOLUTION_BYTECODE = "solution.marshal"
_HERE = Path(__file__).parent
_WIRE = (_HERE / "_harness_wire.py").read_text(encoding="utf-8")
#: The referee and the functional runner (the wire, then the program that uses it).
HARNESS_SOURCE = _WIRE + "\n\n" + (_HERE / "_harness_program.py").read_text(encoding="utf-8")
#: The solution side of assertion tests: a fresh process per sample, kept small so that it starts fast (the
#: sandbox prepares it once per server and calls ``_solution_main`` in each fork: ``Program.trusted_entry``).
SOLUTION_SOURCE = _WIRE + '\n\nif __name__ == "__main__":\n    _solution_main()\n'
#: The assertion tests' referee: the harness in its referee role, kept by each sandbox worker between samples.
REFEREE = Referee(source=HARNESS_SOURCE, filename="referee.py", args=("referee",))
