"""The HTML report of eval runs: summary, charts, comparison, provenance and a sample browser in one file.

>>> from thinkforge.report import write_report
>>> write_report(["runs/eval-a", "runs/eval-b"], "report.html")  # doctest: +SKIP
"""

from thinkforge.report.write import build_report, write_report

__all__ = ["build_report", "write_report"]
