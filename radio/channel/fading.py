"""Block Rayleigh fading: complex Gaussian path gains held constant over blocks.

Each block of ``block_len`` input samples gets fresh, independent CN(0, 1) gains for every
path (the block-fading model of the deep-JSCC literature: the channel is constant within a
coherence time and independent between). Blocks are numbered from the first sample of the
stream, so any buffer split sees the same gains at the same samples.
"""

from __future__ import annotations

import numpy as np

from radio.channel.awgn import complex_normal
from radio.errors import RadioError


class BlockRayleigh:
    """Gains complex128 [n_paths] per block, drawn in block order from ``rng``."""

    def __init__(self, n_paths: int, block_len: int, rng: np.random.Generator):
        if block_len < 1:
            raise RadioError(f"fading block length must be >= 1 sample, got {block_len}")
        self.n_paths = int(n_paths)
        self.block_len = int(block_len)
        self._rng = rng
        self._drawn: list[np.ndarray] = []   # gains of blocks 0.. drawn so far (trimmed)
        self._first = 0                       # block index of self._drawn[0]

    def gains(self, block: int) -> np.ndarray:
        """complex128 [n_paths]: the gains of block number ``block`` (non-decreasing calls)."""
        if block < self._first:
            raise RadioError("fading blocks must be requested in order")
        while self._first + len(self._drawn) <= block:
            self._drawn.append(complex_normal(self._rng, self.n_paths))
        # keep only the current block: streams are processed forwards
        drop = block - self._first
        if drop:
            del self._drawn[:drop]
            self._first = block
        return self._drawn[0]
