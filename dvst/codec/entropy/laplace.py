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

    # lower ≤ −½ always lies on the left branch of F; upper may cross 0
    upper_cdf = torch.where(upper <= 0, 0.5 * torch.exp(torch.clamp(upper, max=0.0) / b),
                            1.0 - 0.5 * torch.exp(-torch.clamp(upper, min=0.0) / b))
    return (upper_cdf - 0.5 * torch.exp(lower / b)).clamp_min(LIKELIHOOD_BOUND)
