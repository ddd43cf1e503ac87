"""Subcommands of ``dvst``; each module's ``register(subparsers)`` adds one (see dvst.cli)."""
