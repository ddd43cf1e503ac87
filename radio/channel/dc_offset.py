"""Receiver DC offset (LO leakage and mixer offset): a constant complex value added to every sample."""

from __future__ import annotations

import numpy as np


class DCOffset:
    """Adds ``offset`` (complex, full-scale units) to every sample."""

    def __init__(self, offset: complex = 0j):
        self.offset = complex(offset)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [N]."""
        return x + self.offset if self.offset else x.astype(np.complex128, copy=False)
