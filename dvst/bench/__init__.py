"""Benchmarks, one module per subject, run as ``dvst bench NAME``.

A benchmark module defines ``register(subparsers)`` like a subcommand (see dvst.cli); its
``func`` prints a table and writes ``--json FILE``. ``schemes`` is the RD harness's registry
of schemes, not a benchmark.
"""


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``; the platform's guess elsewhere), for the JSON."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"
