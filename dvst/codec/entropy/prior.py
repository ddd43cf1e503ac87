"""The entropy model of DVST (eq. 7–11): hyperprior, spatial prior and temporal prior fused.

(μ, b) = h_pf(h_hpd(z̃), h_ar(ỹ_<i), h_tpe(č_t)); z̃ has a factorized density. In training y and
z get additive uniform noise, in evaluation they are rounded. The estimate only decides the
bandwidth of each patch, so the masked convolution h_ar runs in one parallel pass.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dvst.codec.entropy.factorized import FactorizedDensity
from dvst.codec.entropy.laplace import laplace_likelihood
from dvst.codec.layers import MaskedConv2d, SubpelConv, conv


def quantize(x: torch.Tensor, training: bool) -> torch.Tensor:
    """Additive U(−½, ½) noise in training, rounding in evaluation."""
    if training:
        return x + torch.empty_like(x).uniform_(-0.5, 0.5)
    return torch.round(x)


class ContextualPrior(nn.Module):
    """Estimates −log2 P of every latent element of y [B, C, h, w] (stride 16).

    temporal_channels/temporal_stride: the feature context č [B, Ct, 16h/s, 16w/s] fed to the
    temporal prior encoder h_tpe; 0 channels means no temporal prior (I-frame, motion link).
    """

    def __init__(self, channels: int, hyper_channels: int, temporal_channels: int = 0,
                 temporal_stride: int = 16) -> None:
        super().__init__()
        c, ch = channels, hyper_channels
        self.h_hpe = nn.Sequential(conv(c, ch), nn.LeakyReLU(0.1), conv(ch, ch, 3, 2),
                                   nn.LeakyReLU(0.1), conv(ch, ch, 3, 2))
        self.h_hpd = nn.Sequential(SubpelConv(ch, ch), nn.LeakyReLU(0.1), SubpelConv(ch, c),
                                   nn.LeakyReLU(0.1), conv(c, c))
        self.z_density = FactorizedDensity(ch)
        self.h_ar = MaskedConv2d(c, c, 5)
        n_in = 2 * c
        self.h_tpe = None
        if temporal_channels:
            layers: list[nn.Module] = []
            cin = temporal_channels
            for _ in range(int(math.log2(16 // temporal_stride))):
                layers += [conv(cin, c, 3, 2), nn.LeakyReLU(0.1)]
                cin = c
            layers.append(conv(cin, c))
            self.h_tpe = nn.Sequential(*layers)
            n_in += c
        self.h_pf = nn.Sequential(nn.Conv2d(n_in, 3 * c, 1), nn.LeakyReLU(0.1),
                                  nn.Conv2d(3 * c, 2 * c, 1))

    def forward(self, y: torch.Tensor, temporal: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Returns ``y_tilde`` (noisy/rounded y), ``bits_y`` [B, C, h, w] and ``bits_z`` [B, h, w]
        (the hyperprior's bits spread evenly over the 4×4 latent positions each z element covers).
        """
        b, c, h, w = y.shape
        ph, pw = (-h) % 4, (-w) % 4
        z = self.h_hpe(F.pad(y, (0, pw, 0, ph), mode="replicate") if ph or pw else y)
        z_tilde = quantize(z, self.training)
        bits_z = -torch.log2(self.z_density.likelihood(z_tilde)).sum(1, keepdim=True)
        bits_z = F.interpolate(bits_z, scale_factor=4, mode="nearest")[:, 0, :h, :w] / 16.0
        y_tilde = quantize(y, self.training)
        feats = [self.h_hpd(z_tilde)[:, :, :h, :w], self.h_ar(y_tilde)]
        if self.h_tpe is not None:
            if temporal is None:
                raise ValueError("this entropy model needs the temporal context")
            feats.append(self.h_tpe(temporal)[:, :, :h, :w])
        mu, scale = self.h_pf(torch.cat(feats, 1)).chunk(2, 1)
        bits_y = -torch.log2(laplace_likelihood(y_tilde, mu, F.softplus(scale)))
        return {"y_tilde": y_tilde, "bits_y": bits_y, "bits_z": bits_z}
