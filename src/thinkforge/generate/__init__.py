"""The generate stage: a task's problems through one backend into a resumable run directory."""

from thinkforge.generate.accounting import ACCOUNTING_FILE, Prices, Usage, cost_usd
from thinkforge.generate.config import GenerateConfig, SamplingConfig, identity, resolve_sampling
from thinkforge.generate.stage import (
    FAILURES_FILE,
    GenerateSummary,
    Progress,
    build_requests,
    make_backend,
    plan_run,
    run_generate,
)

__all__ = [
    "ACCOUNTING_FILE",
    "FAILURES_FILE",
    "GenerateConfig",
    "GenerateSummary",
    "Prices",
    "Progress",
    "SamplingConfig",
    "Usage",
    "build_requests",
    "cost_usd",
    "identity",
    "make_backend",
    "plan_run",
    "resolve_sampling",
    "run_generate",
]
