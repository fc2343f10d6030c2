"""Evaluation: metrics over verdicts, results.json, comparison of two runs, and reports."""
