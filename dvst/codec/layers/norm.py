"""ChannelNorm (Mentzer et al., HiFiC 2020): normalise each position over its channels."""

from __future__ import annotations

import torch
from torch import nn


class ChannelNorm(nn.Module):
    """[B, C, H, W] → same; zero mean and unit variance across C at every pixel, then affine."""

    def __init__(self, channels: int, eps: float = 1e-3) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu = x.mean(1, keepdim=True)
        var = x.var(1, keepdim=True, unbiased=False)
        return (x - mu) * torch.rsqrt(var + self.eps) * self.weight + self.bias
