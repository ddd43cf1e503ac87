"""Rate-adaptive deep JSCC (paper §II-C/III-A, Fig. 4) and the link that allocates its bandwidth.

The latent y [B, C, h, w] (stride 16) is fused with the codeword context, cut into patches of
p×p latent positions (p = 2 → 32×32 pixels) and embedded as M-dim vectors. Each patch gets a
bandwidth k̄_i ∈ V (complex symbols) from its estimated entropy, k_i = η·r_i (eq. 10), and a
learnable rate token for that value. A shared Swin backbone (with SNR-adaptive modulation) runs
over all patches; a bank of FC layers, one per value of V, maps each patch to 2·k̄_i reals,
invoked on demand. The decoder mirrors it. The per-patch indices are the side information.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dvst.codec.entropy import ContextualPrior
from dvst.codec.layers import ChannelNorm, SwinBlock, conv
from dvst.codec.symbol_channel import normalise_power


class SNRModulation(nn.Module):
    """SNR-adaptive feature modulation: x·(1 + γ(snr)) + β(snr), per channel, per batch item."""

    def __init__(self, dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 2 * dim))
        nn.init.zeros_(self.net[2].weight)
        nn.init.zeros_(self.net[2].bias)

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        g, b = self.net((snr_db / 20.0)[:, None]).chunk(2, -1)
        return x * (1 + g[:, None, None]) + b[:, None, None]


class _Backbone(nn.Module):
    """Rate tokens + Swin blocks (alternately shifted) with SNR modulation; [B,H,W,D] → same."""

    def __init__(self, dim, n_values, depth, heads, window, mlp_ratio, rate_tokens, snr_conditioning):
        super().__init__()
        self.rate_tokens = nn.Parameter(torch.zeros(n_values, dim)) if rate_tokens else None
        if rate_tokens:
            nn.init.trunc_normal_(self.rate_tokens, std=0.02)
        self.blocks = nn.ModuleList(SwinBlock(dim, heads, window, i % 2 == 1, mlp_ratio)
                                    for i in range(depth))
        self.snr = nn.ModuleList(SNRModulation(dim) for _ in range(depth)) if snr_conditioning else None
        self.norm = nn.LayerNorm(dim)

    def forward(self, x, idx, snr_db):
        if self.rate_tokens is not None:
            x = x + self.rate_tokens[idx]
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if self.snr is not None:
                x = self.snr[i](x, snr_db)
        return self.norm(x)


def patchify(y: torch.Tensor, p: int) -> torch.Tensor:
    """[B, C, h, w] → [B, h/p, w/p, C·p²]."""
    b, c, h, w = y.shape
    return F.pixel_unshuffle(y, p).permute(0, 2, 3, 1)


def unpatchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """[B, hp, wp, C·p²] → [B, C, hp·p, wp·p]."""
    return F.pixel_shuffle(x.permute(0, 3, 1, 2), p)


class RateAdaptiveEncoder(nn.Module):
    """f_e: (y, context d, indices, SNR) → unit-power symbols s [B, Np, vmax, 2] and mask [B, Np, vmax]."""

    def __init__(self, channels, context_channels, values, dim, depth, heads, window, patch,
                 mlp_ratio=2.0, rate_tokens=True, snr_conditioning=True):
        super().__init__()
        self.values = list(values)
        self.vmax = max(self.values)
        self.patch = patch
        cin = channels + context_channels
        self.fuse = nn.Sequential(conv(cin, channels, 3), ChannelNorm(channels))
        self.embed = nn.Linear(channels * patch * patch, dim)
        self.backbone = _Backbone(dim, len(values), depth, heads, window, mlp_ratio, rate_tokens,
                                  snr_conditioning)
        # the bank of FC layers: rows offsets[j] … offsets[j] + 2·v_j of one matrix are layer j
        self.bank = nn.Linear(dim, 2 * sum(self.values))
        offsets = torch.cumsum(torch.tensor([0] + [2 * v for v in self.values]), 0)[:-1]
        self.register_buffer("_values", torch.tensor(self.values), persistent=False)
        self.register_buffer("_offsets", offsets, persistent=False)

    def mask(self, idx: torch.Tensor) -> torch.Tensor:
        """Which symbol slots a patch uses: idx [B, Np] → bool [B, Np, vmax]."""
        v = self._values[idx]
        return torch.arange(self.vmax, device=idx.device) < v[..., None]

    def forward(self, y, context, idx, snr_db):
        if context is not None:
            y = torch.cat([y, context], 1)
        x = self.embed(patchify(self.fuse(y), self.patch))            # [B, hp, wp, D]
        x = self.backbone(x, idx, snr_db)
        b, hp, wp, d = x.shape
        # The bank of FC layers, one per value of V, each patch using only its own: evaluated
        # as one stacked matrix product followed by a per-patch selection of its layer's
        # outputs (on a CPU far cheaper than gathering the patches layer by layer; the
        # result and the gradients are those of invoking each patch's layer alone).
        every = self.bank(x.reshape(-1, d))                              # [N, Σ 2v]
        fidx = idx.reshape(-1)
        cols = self._offsets[fidx][:, None] + torch.arange(2 * self.vmax, device=x.device)
        used = torch.arange(2 * self.vmax, device=x.device) < 2 * self._values[fidx][:, None]
        out = torch.gather(F.pad(every, (0, 2 * self.vmax)), 1, cols) * used
        s = out.view(b, hp * wp, self.vmax, 2)
        mask = self.mask(idx.reshape(b, -1))
        return normalise_power(s, mask), mask


class RateAdaptiveDecoder(nn.Module):
    """f_d: (ŝ [B, Np, vmax, 2], noise_var [B, Np, vmax], indices, context d̂, SNR) → ŷ [B, C, h, w].

    Each FC input layer of width v sees the v received symbols and their per-symbol SNR
    (from the equalised noise variance), so Rayleigh fades are visible to the decoder.
    """

    def __init__(self, channels, context_channels, values, dim, depth, heads, window, patch,
                 mlp_ratio=2.0, rate_tokens=True, snr_conditioning=True):
        super().__init__()
        self.values = list(values)
        self.vmax = max(self.values)
        self.patch = patch
        self.channels = channels
        # the bank of input FC layers, one per non-zero value of V, stacked: layer k is output
        # block k·D … (k+1)·D; it reads (ŝ_1…ŝ_v, snr_1…snr_v) of a 3·vmax input zero-padded
        # beyond v (the padded columns never see a non-zero input)
        self._active = [j for j, v in enumerate(values) if v > 0]
        self.bank = nn.Linear(3 * self.vmax, len(self._active) * dim)
        with torch.no_grad():
            w = self.bank.weight.view(len(self._active), dim, 3 * self.vmax)
            for k, j in enumerate(self._active):
                v = self.values[j]
                w[k].mul_((3 * self.vmax / (3 * v)) ** 0.5)              # fan-in of layer k is 3v
                w[k, :, 2 * v:2 * self.vmax] = 0
                w[k, :, 2 * self.vmax + v:] = 0
        self.empty = nn.Parameter(torch.zeros(dim))                   # the embedding of a 0-symbol patch
        slot = torch.full((len(values),), -1, dtype=torch.long)
        for k, j in enumerate(self._active):
            slot[j] = k
        self.register_buffer("_values", torch.tensor(self.values), persistent=False)
        self.register_buffer("_slot", slot, persistent=False)
        self.backbone = _Backbone(dim, len(values), depth, heads, window, mlp_ratio, rate_tokens,
                                  snr_conditioning)
        self.unembed = nn.Linear(dim, channels * patch * patch)
        self.fuse = conv(channels + context_channels, channels, 3) if context_channels else None

    def forward(self, s_hat, noise_var, idx, context, snr_db):
        b, hp, wp = idx.shape
        fidx = idx.reshape(-1)
        n = fidx.shape[0]
        used = (torch.arange(self.vmax, device=idx.device) < self._values[fidx][:, None]).to(s_hat.dtype)
        # per-symbol SNR in units of 10 dB, within ±30 dB (noise-free symbols of the simulated
        # decode saturate at 3, erased ones at −3)
        rel = torch.clamp(-torch.log10(noise_var.reshape(n, self.vmax) + 1e-3), -3.0, 3.0) * used
        inp = torch.cat([s_hat.reshape(n, 2 * self.vmax) * used.repeat_interleave(2, 1), rel], 1)
        pick = self._slot[fidx]                                          # −1 for a 0-symbol patch
        if torch.is_grad_enabled():
            # training: every layer of the bank at once, each patch keeping its own layer's output
            every = self.bank(inp).view(n, len(self._active), -1)
            x = torch.gather(every, 1, pick.clamp_min(0)[:, None, None].expand(-1, 1, every.shape[-1]))[:, 0]
            x = torch.where((pick >= 0)[:, None], x, self.empty.expand(n, -1))
        else:
            x = self._bank_by_layer(inp, pick)
        x = self.backbone(x.reshape(b, hp, wp, -1), idx, snr_db)
        y = unpatchify(self.unembed(x), self.patch)
        if self.fuse is not None:
            y = self.fuse(torch.cat([y, context], 1))
        return y

    def _bank_by_layer(self, inp: torch.Tensor, pick: torch.Tensor) -> torch.Tensor:
        """Inference: each patch through its own layer only, inp [N, 3·vmax], pick [N] → [N, D].

        The patches are grouped by layer (at most |V| small products) instead of evaluating all
        |V| layers for every patch and discarding all but one (|V| times fewer MACs).
        """
        n, dim = inp.shape[0], self.empty.shape[0]
        w = self.bank.weight.view(len(self._active), dim, -1)
        b = self.bank.bias.view(len(self._active), dim)
        order = torch.argsort(pick, stable=True)
        counts = torch.bincount(pick + 1, minlength=len(self._active) + 1).tolist()
        x = inp.new_empty(n, dim)
        start = counts[0]
        if start:                                                        # 0-symbol patches
            x[order[:start]] = self.empty
        for k, c in enumerate(counts[1:]):
            if c:
                rows = order[start:start + c]
                x[rows] = F.linear(inp[rows], w[k], b[k])
                start += c
        return x


class JSCCLink(nn.Module):
    """One rate-adaptive link: entropy model (bandwidth allocation) + JSCC encoder + decoder.

    The primary link, the motion link and the I-frame codec each own one, with their own
    bandwidth set V and scale η. ``rate_adaptive=False`` is the paper's ablation: every patch
    gets the fixed bandwidth ``fixed`` and there are no rate tokens.
    """

    def __init__(self, channels, hyper_channels, values, dim, depth, heads, window, patch,
                 mlp_ratio, snr_conditioning, eta, temporal_channels=0, temporal_stride=16,
                 context_channels=0, rate_adaptive=True, fixed=0, rate_block=1):
        super().__init__()
        self.values = list(values)
        self.patch = patch
        self.rate_block = rate_block
        self.eta = eta
        self.rate_adaptive = rate_adaptive
        self.fixed_index = min(range(len(values)), key=lambda j: abs(values[j] - fixed))
        self.prior = ContextualPrior(channels, hyper_channels, temporal_channels, temporal_stride)
        kw = dict(dim=dim, depth=depth, heads=heads, window=window, patch=patch, mlp_ratio=mlp_ratio,
                  rate_tokens=rate_adaptive, snr_conditioning=snr_conditioning)
        self.encoder = RateAdaptiveEncoder(channels, context_channels, values, **kw)
        self.decoder = RateAdaptiveDecoder(channels, context_channels, values, **kw)
        self.register_buffer("_values", torch.tensor(self.values, dtype=torch.float32), persistent=False)

    @property
    def q(self) -> int:
        """Side-information bits per patch."""
        return (len(self.values) - 1).bit_length()

    def rate(self, y: torch.Tensor, temporal: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Entropy estimate: prior outputs plus ``bits_patch`` [B, h/p, w/p] (r_i of eq. 7, bits)."""
        out = self.prior(y, temporal)
        per_pos = out["bits_y"].sum(1) + out["bits_z"]                  # [B, h, w]
        out["bits_patch"] = F.avg_pool2d(per_pos[:, None], self.patch)[:, 0] * self.patch ** 2
        return out

    def allocate(self, bits_patch: torch.Tensor, eta: float | None = None) -> torch.Tensor:
        """k̄_i = Q(η·r_i): the index into V of the nearest value, [B, hp, wp] int64 (equal
        within each rate block; hp, wp multiples of ``rate_block``)."""
        if not self.rate_adaptive:
            return torch.full(bits_patch.shape, self.fixed_index, dtype=torch.long, device=bits_patch.device)
        bits = bits_patch.detach()
        b = self.rate_block
        if b > 1:
            bits = F.avg_pool2d(bits[:, None], b)[:, 0]
        k = (self.eta if eta is None else eta) * bits
        idx = torch.argmin(torch.abs(k[..., None] - self._values), -1)
        if b > 1:
            idx = idx.repeat_interleave(b, 1).repeat_interleave(b, 2)
        return idx

    def symbols_sent(self, idx: torch.Tensor) -> torch.Tensor:
        """Complex symbols the indices idx [B, hp, wp] occupy, per batch item, float [B]."""
        return self._values[idx].flatten(1).sum(1)
