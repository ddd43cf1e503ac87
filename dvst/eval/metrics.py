"""Quality metrics shared by every scheme, so all figures are computed one way.

Frames are RGB uint8 [H, W, 3] (or batches [T, H, W, 3]); PSNR is over all three channels
with peak 255; MS-SSIM is reported in dB as −10·log10(1 − MS-SSIM), as in the paper.
"""

from __future__ import annotations

import math

import numpy as np

from dvst.errors import DvstError


def mse(ref: np.ndarray, rec: np.ndarray) -> float:
    d = ref.astype(np.float64) - rec.astype(np.float64)
    return float(np.mean(d * d))


def psnr_db(ref: np.ndarray, rec: np.ndarray, peak: float = 255.0, cap: float = 100.0) -> float:
    """PSNR in dB of ``rec`` against ``ref``; identical frames give ``cap``."""
    m = mse(ref, rec)
    return cap if m <= peak * peak * 10 ** (-cap / 10) else 10 * math.log10(peak * peak / m)


def msssim_window(height: int, width: int) -> int:
    """The largest odd Gaussian window ≤ 11 that pytorch-msssim accepts for a frame size.

    pytorch-msssim downsamples four times and needs the smaller side > (win − 1)·16, so
    frames under 161 pixels (QCIF) get a smaller window; 32 pixels or fewer is a DvstError.
    Training (dvst.train.losses) and evaluation share this rule, so they measure alike.
    """
    side, win = min(height, width), 11
    while win > 3 and side <= (win - 1) * 16:
        win -= 2
    if side <= (win - 1) * 16:
        raise DvstError(f"MS-SSIM needs frames larger than 32 pixels on each side, got {width}x{height}")
    return win


def msssim(ref: np.ndarray, rec: np.ndarray) -> float:
    """MS-SSIM in [0, 1] of RGB uint8 frames (pytorch-msssim, five scales, standard weights,
    the window of :func:`msssim_window`)."""
    import torch
    from pytorch_msssim import ms_ssim

    a = torch.from_numpy(np.ascontiguousarray(ref)).float()
    b = torch.from_numpy(np.ascontiguousarray(rec)).float()
    if a.ndim == 3:
        a, b = a[None], b[None]
    a, b = a.permute(0, 3, 1, 2), b.permute(0, 3, 1, 2)
    win = msssim_window(a.shape[-2], a.shape[-1])
    with torch.no_grad():
        return float(ms_ssim(a, b, data_range=255.0, win_size=win))


def msssim_db(ref: np.ndarray, rec: np.ndarray, cap: float = 100.0) -> float:
    """MS-SSIM in dB: −10·log10(1 − MS-SSIM)."""
    m = msssim(ref, rec)
    return cap if m >= 1.0 - 10 ** (-cap / 10) else -10 * math.log10(1.0 - m)


def payload_cbr(n_complex_symbols: float, height: int, width: int) -> float:
    """The paper's channel bandwidth ratio: complex channel symbols per source value (H·W·3)."""
    return n_complex_symbols / (height * width * 3)
