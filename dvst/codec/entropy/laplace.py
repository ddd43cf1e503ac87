"""The Laplace conditional of y convolved with U(−½, ½) (paper eq. 8)."""

from __future__ import annotations

import torch

from dvst.codec.entropy.factorized import LIKELIHOOD_BOUND

SCALE_BOUND = 0.11


def laplace_likelihood(y: torch.Tensor, mu: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """P(ȳ) = F(ȳ − μ + ½) − F(ȳ − μ − ½) for a Laplace F of scale b; all tensors the same shape.

    Evaluated on the negative side (the density is symmetric) so that tails do not cancel.
    """
    b = scale.clamp_min(SCALE_BOUND)
    v = -torch.abs(y - mu)
    upper = v + 0.5                                   # ≤ 0.5
    lower = v - 0.5                                   # ≤ −0.5 → always on the left branch

    def cdf(x: torch.Tensor) -> torch.Tensor:
        left = 0.5 * torch.exp(torch.clamp(x, max=0.0) / b)
        right = 1.0 - 0.5 * torch.exp(-torch.clamp(x, min=0.0) / b)
        return torch.where(x <= 0, left, right)

    return (cdf(upper) - cdf(lower)).clamp_min(LIKELIHOOD_BOUND)
