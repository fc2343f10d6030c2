"""Print thinkforge's dependencies from pyproject.toml, one per line, minus some (used by `make vllm`)."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path


def dependencies(pyproject: Path, extras: list[str], without: set[str]) -> list[str]:
    """The base dependencies plus those of ``extras``, skipping the distributions named in ``without``."""
    project = tomllib.loads(pyproject.read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    name = re.compile(r"^[A-Za-z0-9._-]+")
    return [r for r in wanted if name.match(r).group(0).lower() not in without]  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extra", action="append", default=[])
    parser.add_argument("--without", nargs="*", default=[])
    parser.add_argument("--pyproject", type=Path, default=Path(__file__).resolve().parents[1] / "pyproject.toml")
    args = parser.parse_args()
    print("\n".join(dependencies(args.pyproject, args.extra, {w.lower() for w in args.without})))


if __name__ == "__main__":
    main()
