"""Augmentation and batch sampling: random crops, flips, temporal reversal, synthetic camera motion.

A batch is float32 [B, T, 3, crop, crop] in [0, 1], the layout the codec's training forward
takes. Every random choice comes from one ``numpy.random.Generator``, so a seeded sampler
gives the same batches on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from dvst.train.data import Sequence, windows


@dataclass
class AugmentConfig:
    """Probabilities and ranges of each augmentation."""

    p_hflip: float = 0.5
    p_vflip: float = 0.25
    p_reverse: float = 0.5
    p_still: float = 0.2          # share of clips made from one still frame under camera motion
    max_speed: float = 6.0        # synthetic pan speed, pixels per frame (uniform in ±max_speed)
    max_zoom: float = 0.02        # synthetic zoom rate per frame (uniform in ±max_zoom)


def random_crop(clip: np.ndarray, crop: int, rng: np.random.Generator) -> np.ndarray:
    """The same random ``crop``×``crop`` window of every frame of uint8 [T, H, W, 3]."""
    h, w = clip.shape[1:3]
    y = int(rng.integers(0, h - crop + 1))
    x = int(rng.integers(0, w - crop + 1))
    return clip[:, y: y + crop, x: x + crop]


def flip_and_reverse(clip: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """Random horizontal/vertical flips and temporal reversal of [T, H, W, 3]; shape kept."""
    if rng.random() < cfg.p_hflip:
        clip = clip[:, :, ::-1]
    if rng.random() < cfg.p_vflip:
        clip = clip[:, ::-1]
    if rng.random() < cfg.p_reverse:
        clip = clip[::-1]
    return clip


def camera_motion(frame: np.ndarray, n_frames: int, crop: int, rng: np.random.Generator,
                  max_speed: float = 6.0, max_zoom: float = 0.02) -> np.ndarray:
    """A clip uint8 [n_frames, crop, crop, 3] of a steady pan and zoom over one still ``frame``.

    The camera moves at a constant velocity (pixels per frame) and zoom rate drawn uniformly, so
    the motion link sees smooth global motion with exact sub-pixel shifts (bilinear resampling).
    The path stays inside the frame: speed is reduced if the frame is too small for it.
    """
    h, w = frame.shape[:2]
    t = np.arange(n_frames, dtype=np.float64) - (n_frames - 1) / 2
    zoom = 1.0 + rng.uniform(-max_zoom, max_zoom) * t                      # >1 zooms in
    half = (crop / 2 / zoom).max()                                         # half-size in source px
    tmax = max(1.0, float(np.abs(t).max()))
    vx = rng.uniform(-1, 1) * float(np.clip((w / 2 - half - 1) / tmax, 0.0, max_speed))
    vy = rng.uniform(-1, 1) * float(np.clip((h / 2 - half - 1) / tmax, 0.0, max_speed))
    reach_x, reach_y = half + abs(vx) * tmax, half + abs(vy) * tmax      # keep the path inside
    cx0 = rng.uniform(reach_x, w - reach_x) if w > 2 * reach_x else w / 2
    cy0 = rng.uniform(reach_y, h - reach_y) if h > 2 * reach_y else h / 2
    cx, cy = cx0 + vx * t, cy0 + vy * t
    # affine grids in grid_sample's normalised coordinates (align_corners=False)
    lin = (torch.arange(crop, dtype=torch.float64) + 0.5 - crop / 2)
    gx = (torch.as_tensor(cx)[:, None] + lin[None] / torch.as_tensor(zoom)[:, None]) / w * 2 - 1
    gy = (torch.as_tensor(cy)[:, None] + lin[None] / torch.as_tensor(zoom)[:, None]) / h * 2 - 1
    grid = torch.stack(torch.broadcast_tensors(gx[:, None, :], gy[:, :, None]), -1).float()
    src = torch.from_numpy(np.require(frame, requirements=("C", "W")))  # a read-only view is copied
    src = src.permute(2, 0, 1)[None].float()
    out = F.grid_sample(src.expand(n_frames, -1, -1, -1), grid, mode="bilinear",
                        padding_mode="border", align_corners=False)
    return out.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


class ClipSampler:
    """Random augmented training clips from preloaded sequences.

    ``batch(n)`` → float32 tensor [n, clip_len, 3, crop, crop] in [0, 1]. Sequences shorter than
    ``clip_len`` or smaller than ``crop`` serve only as stills for camera motion (if big enough).
    """

    def __init__(self, seqs: list[Sequence], clip_len: int, crop: int, cfg: AugmentConfig | None = None,
                 seed: int = 0):
        self.seqs, self.clip_len, self.crop = seqs, clip_len, crop
        self.cfg = cfg or AugmentConfig()
        self.rng = np.random.default_rng(seed)
        self.index = windows(seqs, clip_len, crop)
        self.stills = [i for i, s in enumerate(seqs) if min(s.frames.shape[1:3]) >= crop]

    def clip(self) -> np.ndarray:
        """One augmented clip, uint8 [clip_len, crop, crop, 3]."""
        rng, cfg = self.rng, self.cfg
        if rng.random() < cfg.p_still:
            seq = self.seqs[self.stills[int(rng.integers(len(self.stills)))]]
            frame = seq.frames[int(rng.integers(len(seq.frames)))]
            clip = camera_motion(frame, self.clip_len, self.crop, rng, cfg.max_speed, cfg.max_zoom)
        else:
            i, start = self.index[int(rng.integers(len(self.index)))]
            clip = random_crop(self.seqs[i].frames[start: start + self.clip_len], self.crop, rng)
        return np.ascontiguousarray(flip_and_reverse(clip, cfg, rng))

    def batch(self, n: int) -> torch.Tensor:
        x = np.stack([self.clip() for _ in range(n)])
        return torch.from_numpy(x).permute(0, 1, 4, 2, 3).float().div_(255.0)
