"""The motion link (eq. 12–15): a SpyNet-style pyramid flow network and bilinear warping.

The flow network is trained from scratch with the rest of the model (stage 1). Flows are in
pixels of the full-resolution frame, stored on a grid of stride ``flow_stride``. The MV is coded
by g_a^mv / g_s^mv (:mod:`dvst.codec.transforms`, no context) and its own rate-adaptive JSCC
link with its own hyperprior and bandwidth set V_ml (:func:`motion_link`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

_GRIDS: dict[tuple, torch.Tensor] = {}


def motion_link(cfg):
    """The motion JSCC link (eq. 12–15): its own entropy model, V_ml and η_ml; no context.

    Without rate adaptation every patch gets half the primary link's fixed bandwidth, so the
    motion link takes a third of the total (the paper's ablation).
    """
    from dvst.codec.jscc import JSCCLink

    return JSCCLink(cfg.motion_channels, cfg.hyper_channels, cfg.v_motion, cfg.motion_jscc_dim,
                    cfg.swin_depth, cfg.swin_heads, cfg.swin_window, cfg.patch, cfg.mlp_ratio,
                    cfg.snr_conditioning, cfg.eta_motion, rate_adaptive=cfg.rate_adaptive,
                    fixed=cfg.fixed_bandwidth / 2, rate_block=cfg.rate_block)


def warp(x: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Bilinear backward warp: out(p) = x(p + flow(p)). x [B, C, H, W], flow [B, 2, H, W] in pixels
    of x's own grid (channel 0 horizontal, 1 vertical); borders are replicated."""
    b, _, h, w = x.shape
    key = (h, w, x.device, x.dtype)
    base = _GRIDS.get(key)
    if base is None:
        with torch.inference_mode(False):   # a cache filled in inference may serve training
            ys, xs = torch.meshgrid(torch.arange(h, device=x.device, dtype=x.dtype),
                                    torch.arange(w, device=x.device, dtype=x.dtype), indexing="ij")
            base = torch.stack([xs, ys], 0)[None]
        _GRIDS[key] = base
    pos = base + flow
    gx = 2.0 * pos[:, 0] / max(w - 1, 1) - 1.0
    gy = 2.0 * pos[:, 1] / max(h - 1, 1) - 1.0
    return F.grid_sample(x, torch.stack([gx, gy], -1), mode="bilinear", padding_mode="border",
                         align_corners=True)


def pool(x: torch.Tensor, k: int) -> torch.Tensor:
    """k×k average pooling with stride k of [B, C, H, W] (H, W multiples of k); a reshape-mean,
    several times faster on the CPU than avg_pool2d."""
    if k == 1:
        return x
    b, c, h, w = x.shape
    return x.reshape(b, c, h // k, k, w // k, k).mean((3, 5))


def resample_flow(flow: torch.Tensor, from_stride: int, to_stride: int) -> torch.Tensor:
    """A flow field (full-resolution pixels) on a stride-``from`` grid → the stride-``to`` grid,
    in pixels of that grid. Coarser grids use average pooling (the paper's stride-16 alignment)."""
    if to_stride > from_stride:
        flow = pool(flow, to_stride // from_stride)
    elif to_stride < from_stride:
        flow = F.interpolate(flow, scale_factor=from_stride // to_stride, mode="bilinear",
                             align_corners=False)
    return flow / to_stride


class FlowNet(nn.Module):
    """Coarse-to-fine optical flow (SpyNet, Ranjan & Black 2017) from frame x_t to reference x_ref.

    x, ref [B, 3, H, W] in [0, 1] (H, W multiples of stride·2^(levels−1)) → flow [B, 2, H/s, W/s]
    in full-resolution pixels, s = ``stride``. Each level refines the up-sampled flow with a small
    convolutional network on (x, warped reference, flow).
    """

    def __init__(self, levels: int, stride: int, widths: list[int], kernel: int) -> None:
        super().__init__()
        self.levels = levels
        self.stride = stride
        self.basic = nn.ModuleList()
        for _ in range(levels):
            layers: list[nn.Module] = []
            cin = 8
            for c in widths:
                layers += [nn.Conv2d(cin, c, kernel, padding=kernel // 2), nn.ReLU()]
                cin = c
            layers.append(nn.Conv2d(cin, 2, kernel, padding=kernel // 2))
            nn.init.zeros_(layers[-1].weight)
            nn.init.zeros_(layers[-1].bias)
            self.basic.append(nn.Sequential(*layers))

    def forward(self, x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        xs, rs = [], []
        a, r = x, ref
        if self.stride > 1:
            a, r = pool(a, self.stride), pool(r, self.stride)
        for _ in range(self.levels):
            xs.append(a)
            rs.append(r)
            a, r = pool(a, 2), pool(r, 2)
        flow = torch.zeros_like(xs[-1][:, :2])                         # in pixels of the level grid
        for lvl in range(self.levels - 1, -1, -1):
            if lvl < self.levels - 1:
                flow = 2.0 * F.interpolate(flow, scale_factor=2, mode="bilinear", align_corners=False)
            inp = torch.cat([xs[lvl], warp(rs[lvl], flow), flow], 1)
            flow = flow + self.basic[lvl](inp)
        return flow * self.stride
