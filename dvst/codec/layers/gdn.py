"""Generalized divisive normalization (Ballé et al. 2016) and its inverse."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class GDN(nn.Module):
    """y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²); ``inverse=True`` gives IGDN (multiply instead).

    Shapes: [B, C, H, W] → [B, C, H, W]. β and γ are kept non-negative by a squared
    reparameterisation with small lower bounds, so training cannot drive them negative.
    """

    _PEDESTAL = 2.0 ** -36

    def __init__(self, channels: int, inverse: bool = False, beta_min: float = 1e-6,
                 gamma_init: float = 0.1) -> None:
        super().__init__()
        self.inverse = inverse
        p = self._PEDESTAL
        self._beta_bound = (beta_min + p) ** 0.5
        self._gamma_bound = p ** 0.5
        self.beta = nn.Parameter(torch.sqrt(torch.ones(channels) + p))
        self.gamma = nn.Parameter(torch.sqrt(gamma_init * torch.eye(channels) + p))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        beta = torch.clamp(self.beta, min=self._beta_bound) ** 2 - self._PEDESTAL
        gamma = torch.clamp(self.gamma, min=self._gamma_bound) ** 2 - self._PEDESTAL
        norm = F.conv2d(x * x, gamma.view(c, c, 1, 1), beta)
        norm = torch.sqrt(norm) if self.inverse else torch.rsqrt(norm)
        return x * norm
