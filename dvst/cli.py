"""The ``dvst`` command: one entry point, one module per subcommand in ``dvst.commands``.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit status. Modules
import their heavy dependencies (torch, Qt, pyadi-iio) inside that callable, so ``dvst
--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import signal
import sys
import threading
from typing import NoReturn

from dvst import __version__
from dvst.errors import Terminated
from foundation.errors import ParameterError, ProjectError


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand: one module each in ``dvst.commands``, and ``gui.command`` (the window
    sits above the commands, so the entry point, on top of both, wires it in). The GUI module
    is also every command's ``args.viewer`` for ``--gui``/``--screenshot``."""
    import dvst.commands as commands
    import gui.command as gui_command  # Qt itself is imported only when a window opens

    parser = OneLineParser(
        prog="dvst", description="Deep video semantic transmission over PlutoSDR radios.")
    parser.add_argument("--version", action="version", version=f"dvst {__version__}")
    parser.set_defaults(viewer=gui_command)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {info.name: f"dvst.commands.{info.name}" for info in pkgutil.iter_modules(commands.__path__)
               if not info.name.startswith("_")}
    modules["gui"] = gui_command.__name__
    for name in sorted(modules):
        importlib.import_module(modules[name]).register(sub)
    parser.commands = sub.choices  # name → its parser, for the flags of an error's parameter
    return parser


class OneLineParser(argparse.ArgumentParser):
    """Bad flags get one line (``dvst CMD: error: …``) and status 2, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


MAX_MESSAGE = 300  # characters of an error line: a value echoed back cannot flood the terminal


def one_line(message: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _StderrHandler(logging.StreamHandler):
    """``dvst: warning: …`` on whatever ``sys.stderr`` is when a record is emitted (main() may
    run more than once in a process, each time with another stderr)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass

    def format(self, record: logging.LogRecord) -> str:
        return f"dvst: {record.levelname.lower()}: {one_line(record.getMessage())}"


def _setup_logging() -> None:
    """Library modules log; the command prints their warnings as ``dvst: warning: …``."""
    root = logging.getLogger()
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        root.addHandler(_StderrHandler())
    root.setLevel(logging.WARNING)


def _in_flags(parser: argparse.ArgumentParser, args: argparse.Namespace, error: ProjectError) -> str:
    """The error's message, with the parameter a ParameterError names said as the command's
    flag (library code names ``snr_db``; the user typed ``--snr``)."""
    import re

    message = str(error)
    if not isinstance(error, ParameterError):
        return message
    command = parser.commands.get(getattr(args, "command", None) or "")
    flags = [a.option_strings[-1] for a in (command._actions if command else ())
             if a.dest == error.parameter and a.option_strings]
    if not flags:
        return message
    hits = list(re.finditer(rf"(?<![\w./-]){re.escape(error.parameter)}(?![\w/])", message))
    if not hits:
        return f"{flags[0]}: {message}"
    last = hits[-1]
    return message[:last.start()] + flags[0] + message[last.end():]


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    _setup_logging()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)  # stop as on Ctrl-C: outputs closed, state written
    try:
        return int(args.func(args) or 0)
    except ProjectError as e:
        print(f"dvst: error: {one_line(_in_flags(parser, args, e))}", file=sys.stderr)  # one line, always
        return 2
    except Terminated:
        print("dvst: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("dvst: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line unless the user asks for the traceback
        if os.environ.get("DVST_DEBUG"):
            raise
        print(f"dvst: internal error: {one_line(f'{type(e).__name__}: {e}')} "
              f"(set DVST_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
