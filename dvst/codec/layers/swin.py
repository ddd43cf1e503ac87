"""Swin Transformer blocks (Liu et al. 2021): window and shifted-window multi-head attention.

Tokens are laid out as a map [B, H, W, D]. Windows are clamped to the map size where the map
is smaller than the configured window (a 16×16 window on an 8×13 patch grid becomes 8×13),
and the map is padded to a multiple of the window otherwise.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _windows(x: torch.Tensor, wh: int, ww: int) -> torch.Tensor:
    """[B, H, W, D] → [B·nW, wh·ww, D]."""
    b, h, w, d = x.shape
    x = x.view(b, h // wh, wh, w // ww, ww, d).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, wh * ww, d)


def _unwindows(x: torch.Tensor, wh: int, ww: int, b: int, h: int, w: int) -> torch.Tensor:
    d = x.shape[-1]
    x = x.view(b, h // wh, w // ww, wh, ww, d).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h, w, d)


class WindowAttention(nn.Module):
    """Multi-head self-attention inside windows, with a learned relative position bias."""

    def __init__(self, dim: int, heads: int, window: int) -> None:
        super().__init__()
        self.heads = heads
        self.window = window
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        nn.init.trunc_normal_(self.bias_table, std=0.02)
        self._index_cache: dict[tuple, torch.Tensor] = {}

    def _bias(self, wh: int, ww: int) -> torch.Tensor:
        """Relative position bias [heads, n, n] for a wh×ww window (wh, ww ≤ window)."""
        key = (wh, ww, self.bias_table.device)
        idx = self._index_cache.get(key)
        if idx is None:
            with torch.inference_mode(False):   # a cache filled in inference may serve training
                idx = self._relative_index(wh, ww)
            self._index_cache[key] = idx
        n = wh * ww
        return self.bias_table[idx.reshape(-1)].view(n, n, -1).permute(2, 0, 1)

    def _relative_index(self, wh: int, ww: int) -> torch.Tensor:
        """Index into the bias table [n, n] of every pair of positions in a wh×ww window."""
        yy, xx = torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing="ij")
        coords = torch.stack([yy.flatten(), xx.flatten()])              # [2, n]
        rel = coords[:, :, None] - coords[:, None, :] + self.window - 1
        return (rel[0] * (2 * self.window - 1) + rel[1]).to(self.bias_table.device)

    def forward(self, x: torch.Tensor, wh: int, ww: int, mask: torch.Tensor | None) -> torch.Tensor:
        """x: [B·nW, n, D]; mask: [nW, n, n] additive (0 / −inf-like) or None."""
        bw, n, d = x.shape
        qkv = self.qkv(x).view(bw, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        bias = self._bias(wh, ww).to(x.dtype)[None]                    # [1, h, n, n]
        if mask is not None:
            nw = mask.shape[0]
            bias = (bias + mask[:, None].to(x.dtype)).repeat(bw // nw, 1, 1, 1)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=bias)
        return self.proj(out.transpose(1, 2).reshape(bw, n, d))


class SwinBlock(nn.Module):
    """LN → (shifted-)window attention → residual; LN → MLP → residual. [B,H,W,D] → same."""

    def __init__(self, dim: int, heads: int, window: int, shifted: bool, mlp_ratio: float = 2.0) -> None:
        super().__init__()
        self.window = window
        self.shifted = shifted
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, window)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        self._mask_cache: dict[tuple, torch.Tensor] = {}

    def _shift_mask(self, hp: int, wp: int, wh: int, ww: int, sh: int, sw: int, device) -> torch.Tensor:
        """Additive mask [nW, n, n] that keeps attention inside the regions a cyclic shift joined."""
        key = (hp, wp, wh, ww, sh, sw, device)
        m = self._mask_cache.get(key)
        if m is None:
            with torch.inference_mode(False):   # a cache filled in inference may serve training
                m = self._region_mask(hp, wp, wh, ww, sh, sw, device)
            self._mask_cache[key] = m
        return m

    @staticmethod
    def _region_mask(hp: int, wp: int, wh: int, ww: int, sh: int, sw: int, device) -> torch.Tensor:
        region = torch.zeros(1, hp, wp, 1)
        cnt = 0
        for hs in (slice(0, -wh), slice(-wh, -sh), slice(-sh, None)) if sh else (slice(None),):
            for ws in (slice(0, -ww), slice(-ww, -sw), slice(-sw, None)) if sw else (slice(None),):
                region[:, hs, ws, :] = cnt
                cnt += 1
        r = _windows(region, wh, ww).squeeze(-1)                       # [nW, n]
        return ((r[:, None, :] != r[:, :, None]).float() * -100.0).to(device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, d = x.shape
        wh, ww = min(self.window, h), min(self.window, w)
        sh = wh // 2 if (self.shifted and h > wh) else 0
        sw = ww // 2 if (self.shifted and w > ww) else 0
        y = self.norm1(x)
        ph, pw = (-h) % wh, (-w) % ww
        if ph or pw:
            y = F.pad(y, (0, 0, 0, pw, 0, ph))
        hp, wp = h + ph, w + pw
        mask = None
        if sh or sw:
            y = torch.roll(y, (-sh, -sw), (1, 2))
            mask = self._shift_mask(hp, wp, wh, ww, sh, sw, x.device)
        y = self.attn(_windows(y, wh, ww), wh, ww, mask)
        y = _unwindows(y, wh, ww, b, hp, wp)
        if sh or sw:
            y = torch.roll(y, (sh, sw), (1, 2))
        x = x + y[:, :h, :w]
        return x + self.mlp(self.norm2(x))
