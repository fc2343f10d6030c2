"""``thinkforge models``: the default model — installed? converted? where, how big."""

from __future__ import annotations

import argparse
import json

from thinkforge.cli.common import console
from thinkforge.models import convert_default_model, default_model_status

ORDER = 90


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="show the default model (installed, converted, path, size)")
    parser.add_argument("--convert", action="store_true", help="convert the default model now if needed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _mb(n: int | None) -> str:
    return f"{n / 1e6:.1f} MB" if n else "-"


def run(args: argparse.Namespace) -> int:
    if args.convert:
        convert_default_model()
    status = default_model_status()
    if args.json:
        data = {k: (str(v) if v is not None and not isinstance(v, (bool, int)) else v) for k, v in vars(status).items()}
        console.print_json(json.dumps(data))
        return 0
    rows = {
        "name": status.name,
        "installed": "yes" if status.installed else f"no — {status.install_hint}",
        "GGUF": f"{status.gguf_path} ({_mb(status.gguf_bytes)})" if status.gguf_path else "-",
        "converted": f"yes: {status.converted_path} ({_mb(status.converted_bytes)})"
        if status.converted
        else f"no (converted on first use into {status.converted_path}; or run `thinkforge models --convert`)",
    }
    width = max(map(len, rows))
    console.print("[bold]Default model[/]")
    for key, value in rows.items():  # plain lines, never cropped: paths stay whole on narrow terminals
        console.out(f"{key:<{width}}  {value}", highlight=False)
    return 0
