"""What every scheme of the RD harness returns for one clip at one operating point."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dvst.eval.metrics import msssim_db, payload_cbr, psnr_db


@dataclass
class SchemeResult:
    """Received video and its channel use.

    frames: uint8 [T, H, W, 3] as displayed (concealment copies included).
    symbols: float64 [T], complex channel symbols spent on each frame (metadata and
    digital side information included; fractional where a codeword spans two frames).
    shown: bool [T], False where the receiver displays a concealment copy instead.
    info: scheme-specific figures (codewords lost, chosen code, …), JSON-plain.
    """

    frames: np.ndarray
    symbols: np.ndarray
    shown: np.ndarray
    info: dict = field(default_factory=dict)

    def frame_cbr(self) -> np.ndarray:
        """float64 [T]: payload CBR of each frame."""
        h, w = self.frames.shape[1:3]
        return np.array([payload_cbr(s, h, w) for s in self.symbols])

    def cbr(self) -> float:
        """Mean payload CBR over the clip."""
        return float(np.mean(self.frame_cbr()))

    def frame_psnr(self, ref: np.ndarray) -> np.ndarray:
        return np.array([psnr_db(a, b) for a, b in zip(ref, self.frames)])

    def frame_msssim_db(self, ref: np.ndarray) -> np.ndarray:
        return np.array([msssim_db(a, b) for a, b in zip(ref, self.frames)])
