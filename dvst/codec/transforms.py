"""Contextual analysis and synthesis transforms g_a, g_s (paper eq. 3 and 6, Fig. 4).

g_a concatenates the frame with the feature context č_t (no residual subtraction) at the
context's stride s, then down-samples with stride-2 convolutions and GDN to the latent stride
16. g_s mirrors it with IGDN and sub-pixel up-sampling, concatenates ĉ_t at stride s and maps
back to pixels. With no context (I-frame, motion link, the residual ablation) the same
networks run on the frame alone.

``blocks`` residual blocks run where frame and context meet (stride s). With s = 8 this is
where DCVC-RT puts its compute: a patch embedding to one low-resolution tensor, a deep stack at
1/8 resolution, one stride-2 step to the latent; no full-resolution layers at all.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dvst.codec.layers import GDN, ChannelNorm, ResidualBlock, SubpelConv, conv
from dvst.codec.model_config import LATENT_STRIDE


class AnalysisTransform(nn.Module):
    """x [B, cin, H, W] (+ context [B, cc, H/s, W/s]) → y [B, C, H/16·s_in… ] at stride 16.

    ``in_stride``: the stride of x relative to the frame (the MV field may be coarser than the
    frame); ``stride``: where x and the context meet (x is pixel-unshuffled to it).
    """

    def __init__(self, cin: int, channels: int, context_channels: int = 0, stride: int = 1,
                 in_stride: int = 1, blocks: int = 0) -> None:
        super().__init__()
        self.unshuffle = stride // in_stride
        n_down = int(math.log2(LATENT_STRIDE // stride))
        # a patch embedding (k×k conv, stride k = a 1×1 projection of the pixel-unshuffled
        # input) keeps the wide unshuffled tensor out of the 3×3 convolutions
        self.embed = nn.Conv2d(cin, channels, self.unshuffle, stride=self.unshuffle)
        layers: list[nn.Module] = [conv(channels + context_channels, channels, 3)]
        layers += [ResidualBlock(channels) for _ in range(blocks)]
        for _ in range(n_down):
            layers += [GDN(channels), conv(channels, channels, 3, 2)]
        layers.append(ChannelNorm(channels))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        x = self.embed(x)
        if context is not None:
            x = torch.cat([x, context], 1)
        return self.net(x)


class SynthesisTransform(nn.Module):
    """ŷ [B, C, h, w] (+ context at stride s) → x̂ [B, cout, 16h/out_stride, 16w/out_stride]."""

    def __init__(self, cout: int, channels: int, context_channels: int = 0, stride: int = 1,
                 out_stride: int = 1, blocks: int = 1) -> None:
        super().__init__()
        self.shuffle = stride // out_stride
        n_up = int(math.log2(LATENT_STRIDE // stride))
        layers: list[nn.Module] = []
        for _ in range(n_up):
            layers += [GDN(channels, inverse=True), SubpelConv(channels, channels)]
        self.up = nn.Sequential(*layers)
        self.head = nn.Sequential(conv(channels + context_channels, channels, 3), nn.LeakyReLU(0.1),
                                  *[ResidualBlock(channels) for _ in range(blocks)])
        # the inverse patch embedding: a 1×1 conv to cout·k² channels and a pixel shuffle ×k
        # (much faster on the CPU than the equivalent stride-k transposed convolution)
        self.out = nn.Conv2d(channels, cout * self.shuffle ** 2, 1)

    def forward(self, y: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        x = self.up(y)
        if context is not None:
            x = torch.cat([x, context], 1)
        x = self.out(self.head(x))
        return F.pixel_shuffle(x, self.shuffle) if self.shuffle > 1 else x
