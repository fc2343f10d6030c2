"""The generate stage: a task's problems through one backend into a resumable run directory."""

from thinkforge.generate.accounting import ACCOUNTING_FILE, Prices, Usage, cost_usd
from thinkforge.generate.config import GenerateConfig, SamplingConfig, identity, resolve_sampling
from thinkforge.generate.stage import (
    FAILURES_STREAM,
    PROBLEMS_STREAM,
    GeneratePlan,
    GenerateRun,
    GenerateSummary,
    build_requests,
    failures_of,
    load_problems,
    make_backend,
    plan_run,
    read_generate_run,
    run_generate,
)

__all__ = [
    "ACCOUNTING_FILE",
    "FAILURES_STREAM",
    "PROBLEMS_STREAM",
    "GenerateConfig",
    "GeneratePlan",
    "GenerateRun",
    "GenerateSummary",
    "Prices",
    "SamplingConfig",
    "Usage",
    "build_requests",
    "cost_usd",
    "failures_of",
    "identity",
    "load_problems",
    "make_backend",
    "plan_run",
    "read_generate_run",
    "resolve_sampling",
    "run_generate",
]
