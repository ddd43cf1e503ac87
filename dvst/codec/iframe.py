"""The I-frame codec: nonlinear-transform source-channel coding (NTSCC, Dai et al. 2022).

The primary-link machinery of DVST without temporal context: g_a → entropy model (hyperprior +
spatial prior) → rate-adaptive JSCC → channel → JSCC decoder → g_s.
"""

from __future__ import annotations

import torch
from torch import nn

from dvst.codec.jscc import JSCCLink
from dvst.codec.model_config import ModelConfig
from dvst.codec.transforms import AnalysisTransform, SynthesisTransform


def primary_link(cfg: ModelConfig, context_channels: int = 0, temporal_channels: int = 0) -> JSCCLink:
    """The rate-adaptive JSCC link of the primary (and I-frame) path, sized by ``cfg``."""
    return JSCCLink(cfg.channels, cfg.hyper_channels, cfg.v_primary, cfg.jscc_dim, cfg.swin_depth,
                    cfg.swin_heads, cfg.swin_window, cfg.patch, cfg.mlp_ratio, cfg.snr_conditioning,
                    cfg.eta, temporal_channels=temporal_channels, temporal_stride=cfg.context_stride,
                    context_channels=context_channels, rate_adaptive=cfg.rate_adaptive,
                    fixed=cfg.fixed_bandwidth, rate_block=cfg.rate_block)


class IFrameCodec(nn.Module):
    """NTSCC: x [B, 3, H, W] in [0, 1] (H, W multiples of 16·patch) ↔ symbols."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        s = cfg.context_stride
        self.g_a = AnalysisTransform(3, cfg.channels, 0, stride=s, blocks=cfg.transform_blocks)
        self.g_s = SynthesisTransform(3, cfg.channels, 0, stride=s,
                                      blocks=cfg.context_blocks + cfg.transform_blocks)
        self.link = primary_link(cfg)

    def transmit(self, x: torch.Tensor, snr_db: torch.Tensor, eta: float | None = None,
                 simulate: bool = True) -> dict:
        """Transmitter: returns ``idx`` [B, hp, wp], ``s`` [B, Np, vmax, 2], ``mask``, ``bits``
        [B] (estimated entropy), ``k`` [B] (η·bits, differentiable), ``y``, ``y_tilde`` and the
        simulated reconstruction ``y_sim``/``x_sim`` (decoded without the channel, eq. 2; skipped,
        None, with ``simulate=False``: nothing will refer to this frame)."""
        y = self.g_a(x)
        r = self.link.rate(y)
        idx = self.link.allocate(r["bits_patch"], eta)
        s, mask = self.link.encoder(y, None, idx, snr_db)
        x_sim, y_sim = self.simulate(s, mask, idx, snr_db) if simulate else (None, None)
        bits = r["bits_patch"].flatten(1).sum(1)
        return {"idx": idx, "s": s, "mask": mask, "bits": bits,
                "k": (self.link.eta if eta is None else eta) * bits,
                "y": y, "y_tilde": r["y_tilde"], "y_sim": y_sim, "x_sim": x_sim}

    def simulate(self, s: torch.Tensor, mask: torch.Tensor, idx: torch.Tensor,
                 snr_db: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The transmitter's simulated decode (eq. 2, no channel) of ``transmit``'s symbols
        → (x̌ [B,3,H,W], y̌ [B,C,h,w])."""
        y_sim = self.link.decoder(s, torch.zeros_like(mask, dtype=s.dtype), idx, None, snr_db)
        return self.g_s(y_sim), y_sim

    def receive(self, s_hat: torch.Tensor, noise_var: torch.Tensor, idx: torch.Tensor,
                snr_db: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Receiver: (ŝ, per-symbol noise variance, indices) → (x̂ [B,3,H,W], ŷ [B,C,h,w])."""
        y_hat = self.link.decoder(s_hat, noise_var, idx, None, snr_db)
        return self.g_s(y_hat), y_hat
