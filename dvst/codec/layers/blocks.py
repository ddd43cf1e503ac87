"""Convolutional building blocks: strided convolutions, residual blocks, sub-pixel up-sampling."""

from __future__ import annotations

import torch
from torch import nn


def conv(cin: int, cout: int, kernel: int = 3, stride: int = 1) -> nn.Conv2d:
    """A k×k convolution with 'same' padding; stride 2 halves H and W (``Conv k×C ↓2``)."""
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2)


class SubpelConv(nn.Sequential):
    """Sub-pixel up-sampling ×r (Shi et al. 2016): conv to C·r² channels, then pixel shuffle."""

    def __init__(self, cin: int, cout: int, r: int = 2, kernel: int = 3) -> None:
        super().__init__(conv(cin, cout * r * r, kernel), nn.PixelShuffle(r))


class ResidualBlock(nn.Module):
    """x + conv(act(conv(act(x)))) with 3×3 convolutions; [B, C, H, W] → [B, C, H, W]."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.LeakyReLU(0.1), conv(channels, channels),
                                  nn.LeakyReLU(0.1), conv(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class MaskedConv2d(nn.Conv2d):
    """A causal ('type A') convolution: each output sees only positions before it in raster order.

    Used by the autoregressive spatial prior h_ar in one parallel pass over the whole latent
    (the JSCC sends every patch at once, so no sequential decoding is ever needed).
    """

    def __init__(self, cin: int, cout: int, kernel: int = 5) -> None:
        super().__init__(cin, cout, kernel, padding=kernel // 2)
        mask = torch.ones_like(self.weight)
        c = kernel // 2
        mask[:, :, c, c:] = 0
        mask[:, :, c + 1:, :] = 0
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.weight * self.mask, self.bias)
