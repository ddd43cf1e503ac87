"""Context generators (paper §II-D, Fig. 5): φ in the feature domain, γ in the codeword domain.

č_t = φ_ref(warp(φ_fe(x̌_{t−1}), m̌_t))     (eq. 16; ĉ_t the same from the receiver's x̂_{t−1}, m̂_t)
ď_t = γ_ref(warp(γ_pc(y̌_{t−1}), m̌_t↓16))  (eq. 17; the MV average-pooled with stride 16)
The transmitter and receiver use the same networks on their own references.
"""

from __future__ import annotations

import torch
from torch import nn

from dvst.codec.layers import ResidualBlock, conv
from dvst.codec.model_config import LATENT_STRIDE
from dvst.codec.motion import resample_flow, warp


class FeatureContext(nn.Module):
    """φ: reference frame [B, 3, H, W] and MV → feature context [B, Cc, H/s, W/s]."""

    def __init__(self, context_channels: int, stride: int, flow_stride: int, blocks: int = 1) -> None:
        super().__init__()
        self.stride = stride
        self.flow_stride = flow_stride
        c = context_channels
        self.fe = nn.Sequential(nn.Conv2d(3, c, stride, stride=stride), nn.LeakyReLU(0.1), conv(c, c, 3),
                                *[ResidualBlock(c) for _ in range(blocks)])
        self.ref = nn.Sequential(*[ResidualBlock(c) for _ in range(blocks)], nn.LeakyReLU(0.1), conv(c, c, 3))

    def features(self, x_ref: torch.Tensor) -> torch.Tensor:
        """φ_fe(x_ref): the part that depends only on the reference (computed once per reference)."""
        return self.fe(x_ref)

    def forward(self, feat: torch.Tensor, flow: torch.Tensor | None) -> torch.Tensor:
        """feat = φ_fe(x_ref); flow [B, 2, H/fs, W/fs] (full-res pixels) or None (no motion link)."""
        if flow is not None:
            feat = warp(feat, resample_flow(flow, self.flow_stride, self.stride))
        return self.ref(feat)


class CodewordContext(nn.Module):
    """γ: reference latent ŷ_{t−1} [B, C, h, w] and MV → codeword context [B, Cc, h, w]."""

    def __init__(self, channels: int, context_channels: int, flow_stride: int) -> None:
        super().__init__()
        self.flow_stride = flow_stride
        self.pc = nn.Sequential(conv(channels, context_channels, 3), nn.LeakyReLU(0.1),
                                conv(context_channels, context_channels, 3))
        self.ref = nn.Sequential(ResidualBlock(context_channels), conv(context_channels, context_channels, 3))

    def forward(self, y_ref: torch.Tensor, flow: torch.Tensor | None) -> torch.Tensor:
        d = self.pc(y_ref)
        if flow is not None:
            d = warp(d, resample_flow(flow, self.flow_stride, LATENT_STRIDE))
        return self.ref(d)
