"""The ``dvst`` command: one entry point, one module per subcommand in ``dvst.commands``.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit status. Modules
import their heavy dependencies (torch, Qt, pyadi-iio) inside that callable, so ``dvst
--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from dvst import __version__
from dvst.errors import DvstError


def build_parser() -> argparse.ArgumentParser:
    import dvst.commands as commands

    parser = argparse.ArgumentParser(
        prog="dvst", description="Deep video semantic transmission over PlutoSDR radios.")
    parser.add_argument("--version", action="version", version=f"dvst {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dvst.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except DvstError as e:
        print(f"dvst: error: {' '.join(str(e).split())}", file=sys.stderr)  # one line, always
        return 2
    except KeyboardInterrupt:
        print("dvst: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line unless the user asks for the traceback
        if os.environ.get("DVST_DEBUG"):
            raise
        print(f"dvst: internal error: {type(e).__name__}: {e} (set DVST_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
