"""The non-parametric fully factorized density of the hyperprior z (Ballé et al. 2018, eq. 9)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LIKELIHOOD_BOUND = 1e-9


class FactorizedDensity(nn.Module):
    """One learned univariate density per channel, convolved with U(−½, ½).

    The cumulative is a small monotone network per channel (Ballé 2018, appendix 6.1):
    softplus-positive matrices, biases and tanh-gated factors. ``likelihood(z)`` takes
    z [B, C, H, W] (noisy in training, rounded in evaluation) and returns P(z) of the same shape.
    """

    def __init__(self, channels: int, filters: tuple[int, ...] = (3, 3, 3), init_scale: float = 10.0) -> None:
        super().__init__()
        dims = (1,) + tuple(filters) + (1,)
        scale = init_scale ** (1.0 / (len(dims) - 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for k in range(len(dims) - 1):
            init = math.log(math.expm1(1.0 / scale / dims[k + 1]))
            self.matrices.append(nn.Parameter(torch.full((channels, dims[k + 1], dims[k]), init)))
            self.biases.append(nn.Parameter(torch.rand(channels, dims[k + 1], 1) - 0.5))
            if k < len(dims) - 2:
                self.factors.append(nn.Parameter(torch.zeros(channels, dims[k + 1], 1)))

    def _logits_cumulative(self, x: torch.Tensor) -> torch.Tensor:
        """x: [C, 1, N] → logits of the cumulative [C, 1, N]."""
        for k, (m, b) in enumerate(zip(self.matrices, self.biases)):
            x = torch.matmul(F.softplus(m), x) + b
            if k < len(self.factors):
                x = x + torch.tanh(self.factors[k]) * torch.tanh(x)
        return x

    def likelihood(self, z: torch.Tensor) -> torch.Tensor:
        b, c, h, w = z.shape
        v = z.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lower = self._logits_cumulative(v - 0.5)
        upper = self._logits_cumulative(v + 0.5)
        sign = -torch.sign(lower + upper).detach()        # evaluate in the far tail for accuracy
        p = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))
        p = p.reshape(c, b, h, w).permute(1, 0, 2, 3)
        return p.clamp_min(LIKELIHOOD_BOUND)
