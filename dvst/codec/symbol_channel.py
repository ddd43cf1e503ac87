"""Differentiable channels for training and simulation: AWGN and Rayleigh with ideal equalisation.

Symbols are carried as real pairs: s [..., 2] holds (I, Q) of one complex symbol, so two real
JSCC outputs make one complex channel use. The transmitter normalises s to unit average power
over the symbols actually sent (see :func:`normalise_power`); an in-band SNR of ``snr_db`` then
means a complex noise variance σ² = 10^(−snr_db/10) per symbol.
"""

from __future__ import annotations

import torch

from dvst.errors import DvstError

CHANNELS = ("awgn", "rayleigh", "none")


def normalise_power(s: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Scale each batch item of s [B, ..., 2] to unit mean |s|² over the symbols where mask [B, ...].

    Unsent slots are zeroed. An item with no symbols at all stays zero.
    """
    m = mask.unsqueeze(-1).to(s.dtype)
    s = s * m
    dims = tuple(range(1, s.dim()))
    power = (s * s).sum(dims, keepdim=True) / m.sum(dims, keepdim=True).clamp_min(1.0)
    return s * torch.rsqrt(power + 1e-12)


def snr_tensor(snr_db, batch: int, device=None) -> torch.Tensor:
    """snr_db as float32 [B] (a number, a list, or a tensor of B values)."""
    t = torch.as_tensor(snr_db, dtype=torch.float32, device=device).reshape(-1)
    if t.numel() == 1:
        t = t.expand(batch)
    if t.numel() != batch:
        raise DvstError(f"snr_db has {t.numel()} values for a batch of {batch}")
    return t


def transmit(s: torch.Tensor, mask: torch.Tensor, snr_db, channel: str = "awgn",
             generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pass unit-power symbols s [B, ..., 2] through a channel.

    Returns (ŝ [B, ..., 2], noise_var [B, ...]): the received (equalised) symbols and each
    symbol's effective complex noise variance. AWGN: ŝ = s + n, n ~ CN(0, σ²). Rayleigh with
    ideal equalisation: h ~ CN(0, 1) per symbol, ŝ = s + n/h, noise variance σ²/|h|².
    "none": ŝ = s, noise variance 0 (the transmitter's simulated decode, eq. 2).
    Unsent slots (mask False) come back as zeros.
    """
    if channel not in CHANNELS:
        raise DvstError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    b = s.shape[0]
    sigma2 = 10.0 ** (-snr_tensor(snr_db, b, s.device) / 10.0)
    sigma2 = sigma2.view((b,) + (1,) * (s.dim() - 2))
    m = mask.to(s.dtype)
    if channel == "none":
        return s * m.unsqueeze(-1), torch.zeros_like(m)
    noise = torch.randn(s.shape, generator=generator, dtype=s.dtype, device=s.device)
    noise = noise * torch.sqrt(sigma2 / 2).unsqueeze(-1)
    if channel == "awgn":
        nv = sigma2.expand_as(m)
    else:
        h = torch.randn(s.shape, generator=generator, dtype=s.dtype, device=s.device) * 0.5 ** 0.5
        h2 = (h * h).sum(-1).clamp_min(1e-6)
        # n/h for complex n, h: (n · conj(h)) / |h|²
        nr = (noise[..., 0] * h[..., 0] + noise[..., 1] * h[..., 1]) / h2
        ni = (noise[..., 1] * h[..., 0] - noise[..., 0] * h[..., 1]) / h2
        noise = torch.stack([nr, ni], -1)
        nv = sigma2 / h2
    return (s + noise) * m.unsqueeze(-1), nv * m
