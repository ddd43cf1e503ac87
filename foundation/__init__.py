"""The project's foundation, below every layer: the one user-facing error base and the
strict YAML-to-dataclass loader.

It imports nothing of the project, so ``radio``, ``calibration``, ``baselines``, ``dvst.codec``
and the layers above may all import it downward. ``sync`` does not need it.
"""
