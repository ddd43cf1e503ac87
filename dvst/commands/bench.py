"""``dvst bench NAME``: the benchmarks that produce the README's figures (dvst/bench/)."""

from __future__ import annotations

import importlib
import pkgutil


def register(sub) -> None:
    import dvst.bench as bench

    p = sub.add_parser("bench", help="run a benchmark (radio, codec, rd, e2e, …)",
                       description="Benchmarks whose figures the README quotes.")
    inner = p.add_subparsers(dest="benchmark", metavar="NAME")
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"dvst.bench.{info.name}")
        if hasattr(module, "register"):  # a benchmark; the rest (schemes) serve them
            module.register(inner)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
