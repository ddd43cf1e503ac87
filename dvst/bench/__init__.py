"""Benchmarks, one module per subject, run as ``dvst bench NAME``.

A module defines ``register(subparsers)`` like a subcommand (see dvst.cli); its ``func``
prints a table and writes ``--json FILE``.
"""
