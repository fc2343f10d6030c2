"""The code judge: ``grade_code(problem, sample) -> Verdict`` over stdin, functional and assertion tests.

Programs run in :mod:`thinkforge.sandbox`. Statuses: pass, wrong, no_answer, truncated, compile_error,
runtime_error, timeout, memory, output_limit, sandbox_error. Options per task come from
``reference["options"]`` (``timeout_s``, ``total_timeout_s``, ``memory_mb``, ``stop_on_first_failure``,
``compare``: exact | tokens, ``float_tol``) over :class:`thinkforge.defaults.JudgeDefaults`.
"""

from thinkforge.grading.code.compare import normalise, outputs_match
from thinkforge.grading.code.extract import Extraction, extract_program
from thinkforge.grading.code.judge import GRADER, JudgeOptions, default_pool, grade_code, judge_iter, judge_many

__all__ = [
    "GRADER", "Extraction", "JudgeOptions", "default_pool", "extract_program", "grade_code", "judge_iter",
    "judge_many",
    "normalise", "outputs_match",
]
