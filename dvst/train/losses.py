"""Distortions of the rate–distortion loss (eq. 21–24): λ·(k_pl + k_ml) + D (+ β·D_task).

Units (one choice, used by every stage and every shipped model):
- ``D`` is the MSE of pixel values in [0, 1] (PSNR models) or 1 − MS-SSIM (MS-SSIM models), per
  frame, averaged over the batch.
- ``k`` (assembled per stage in :mod:`dvst.train.stages`) is the channel bandwidth of a frame as
  a CBR: complex channel symbols per source value
  (H·W·3), the paper's CBR. So λ is the price of one unit of CBR in units of D; the shipped
  PSNR ladder uses λ of order 10⁻² … 10⁻¹ (``dvst/train/recipes/*.yaml``). The paper's own λ values
  (256 … 16) multiply its un-normalised channel dimension and are not comparable numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from dvst.errors import DvstError
from dvst.eval.metrics import msssim_window

METRICS = ("mse", "msssim")


def distortion(x_hat: torch.Tensor, x: torch.Tensor, metric: str = "mse") -> torch.Tensor:
    """Per-image distortion [B] of x_hat against x, both float [B, 3, H, W] in [0, 1]."""
    if metric == "mse":
        return F.mse_loss(x_hat, x, reduction="none").flatten(1).mean(1)
    if metric == "msssim":
        from pytorch_msssim import ms_ssim

        win = msssim_window(*x.shape[-2:])
        return 1.0 - ms_ssim(x_hat.clamp(0, 1).float(), x.float(), data_range=1.0,
                             size_average=False, win_size=win)
    raise DvstError(f"unknown distortion metric {metric!r}; use one of {', '.join(METRICS)}")


TaskLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""A task loss hook: (x_hat [B, 3, H, W], x [B, 3, H, W]) → per-image loss [B] (e.g. segmentation)."""


def mse_to_psnr(mse: float) -> float:
    """PSNR in dB of an MSE of [0, 1] pixel values."""
    import math

    return 100.0 if mse <= 1e-10 else -10.0 * math.log10(mse)
