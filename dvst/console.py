"""The terminal side shared by the subcommands (``dvst.commands``) and the benchmarks
(``dvst.bench``): flag types and the --config/--json flags, JSON figure files, progress bars,
printed tables. Library code below them (codec, link, training) does not print: it logs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dvst.errors import DvstError
from dvst.jsonable import plain
from foundation.errors import ProjectError


def add_config_flag(parser: argparse.ArgumentParser, kind: str | None = None) -> None:
    """``--config FILE.yaml``: settings that the command's other flags override."""
    what = f" (a file, or a shipped name: {kind})" if kind else ""
    parser.add_argument("--config", metavar="FILE.yaml", help=f"settings{what}; flags override it")


def require_positive(flag: str, value: float | None) -> None:
    """A one-line DvstError unless ``value`` is None or a finite number > 0 (NaN fails too)."""
    if value is not None and not 0 < value < float("inf"):
        from dvst.errors import DvstError

        raise DvstError(f"{flag} must be a positive number, got {value}")


def output_path(*suffixes: str):
    """An argparse ``type`` for an output file: checked when the flags are parsed, before any
    work, so a bad path never throws away the figures of a finished run. ``suffixes``: the
    accepted file name endings (none: any)."""

    def check(value: str) -> str:
        try:
            check_output_path(value, suffixes)
        except ProjectError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        return value

    return check


def check_output_path(path: str | os.PathLike, suffixes: Iterable[str] = ()) -> None:
    """A DvstError unless ``path`` can be created as a file: not a folder, a known ending, and
    an existing, writable folder above it (missing folders below that one are created later)."""
    p = Path(path)
    suffixes = tuple(suffixes)
    if not str(path) or p.is_dir() or str(path).endswith(os.sep):
        raise DvstError(f"{str(path)[:200]!r} is a folder; name a file")
    if suffixes and p.suffix.lower() not in suffixes:
        raise DvstError(f"{p.name[:200]!r}: the file name must end in {' or '.join(suffixes)}")
    parent = p.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise DvstError(f"cannot write {str(p)[:200]}: {parent} is not a writable folder")
    if p.exists() and not os.access(p, os.W_OK):
        raise DvstError(f"cannot write {str(p)[:200]}: permission denied")


VIDEO_OUT = (".mp4", ".mkv", ".mov")


def count_arg(value: str) -> int:
    """An argparse ``type``: an integer >= 0, with a one-line message otherwise."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value[:40]!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {n}")
    return n


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="FILE", type=output_path(),
                        help="write the figures to this JSON file")


def write_json(path: str | os.PathLike | None, figures: dict[str, Any]) -> None:
    """Write ``figures`` as JSON (numpy values made plain, inf/nan as null); no-op for None."""
    if not path:
        return
    p = Path(path)
    try:
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(plain(figures), indent=2) + "\n", encoding="utf-8")
        tmp.replace(p)  # never leave a half-written file behind
    except OSError as e:
        raise DvstError(f"cannot write {p}: {e}") from None


def progress(iterable: Iterable | None = None, **kwargs: Any):
    """A tqdm progress bar on stderr, quiet when stderr is not a terminal unless DVST_PROGRESS=1."""
    from tqdm import tqdm

    show = sys.stderr.isatty() or os.environ.get("DVST_PROGRESS") == "1"
    return tqdm(iterable, disable=not show, dynamic_ncols=True, file=sys.stderr, **kwargs)


def print_table(rows: list[tuple[str, Any]], title: str | None = None) -> None:
    """Print ``name  value`` rows aligned, for the human reading the terminal."""
    if title:
        print(title)
    width = max((len(k) for k, _ in rows), default=0)
    for k, v in rows:
        if isinstance(v, float):
            v = f"{v:.4g}"
        print(f"  {k:<{width}}  {v}")
