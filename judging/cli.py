"""Command line of the judging engine: ``python -m judging <command> …``.

Each sub-command lives in ``judging/commands/<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed arguments and returning an exit status.  Bad input files are
reported on one line naming the file, row and problem, with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from judging.io import InputError

COMMANDS = ("rank", "awards", "report", "assign")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m judging", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"judging.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
