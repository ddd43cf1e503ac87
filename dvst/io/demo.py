"""The default demo clip: real photographs shipped with scikit-image, under a camera path.

No download and no data in this repository: the photographs are inside the scikit-image
wheel. A smooth pan-and-zoom path over each photograph gives natural-looking global motion,
which is what the motion link of the codec has to follow.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from dvst.io.video import FrameSource

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


def _photo(name: str) -> np.ndarray:
    import skimage.data

    img = getattr(skimage.data, name)()
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, -1)
    return np.ascontiguousarray(img[..., :3], dtype=np.uint8)


def camera_frames(img: np.ndarray, n_frames: int, size: tuple[int, int], seed: int = 0,
                  span: int | None = None) -> Iterator[np.ndarray]:
    """Frames [H, W, 3] uint8, one at a time, of a smooth pan and zoom over ``img`` (bilinear crops).

    size: (W, H) of the output. The path is a seeded random walk in position and zoom, so a
    clip is reproducible. span: the frames the whole path takes (default ``n_frames``); the
    first ``n_frames`` of it are made, so frame k does not depend on how many are asked for.
    """
    rng = np.random.default_rng(seed)
    w, h = size
    ih, iw = img.shape[:2]
    base = min(iw / w, ih / h) * 0.8  # source pixels per output pixel at zoom 1
    span = max(span or n_frames, n_frames)
    t = np.linspace(0, 1, span)
    zoom = 1.0 + 0.15 * np.sin(2 * np.pi * (t * rng.uniform(0.3, 0.8) + rng.uniform()))
    scale = base / zoom
    span_x, span_y = iw - w * scale.max(), ih - h * scale.max()
    cx = iw / 2 + 0.5 * span_x * np.sin(2 * np.pi * (t * rng.uniform(0.2, 0.6) + rng.uniform()))
    cy = ih / 2 + 0.5 * span_y * np.sin(2 * np.pi * (t * rng.uniform(0.2, 0.6) + rng.uniform()))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    src = img.astype(np.float32)
    for k in range(n_frames):
        x = cx[k] + (xs - w / 2) * scale[k]
        y = cy[k] + (ys - h / 2) * scale[k]
        x0 = np.clip(np.floor(x).astype(np.int64), 0, iw - 2)
        y0 = np.clip(np.floor(y).astype(np.int64), 0, ih - 2)
        fx = np.clip(x - x0, 0, 1)[..., None]
        fy = np.clip(y - y0, 0, 1)[..., None]
        top = src[y0, x0] * (1 - fx) + src[y0, x0 + 1] * fx
        bot = src[y0 + 1, x0] * (1 - fx) + src[y0 + 1, x0 + 1] * fx
        yield np.clip(top * (1 - fy) + bot * fy + 0.5, 0, 255).astype(np.uint8)


def demo_stream(n_frames: int = 60, size: tuple[int, int] = (416, 240), scene_len: int = 30) -> Iterator[np.ndarray]:
    """The demo clip, frame by frame (memory does not grow with ``n_frames``): a new
    photograph every ``scene_len`` frames."""
    for s in range((n_frames + scene_len - 1) // scene_len):
        n = min(scene_len, n_frames - s * scene_len)
        # the path spans a whole scene, so a transmitter and a receiver's --reference demo agree
        # frame by frame whatever --frames each was given
        yield from camera_frames(_photo(PHOTOS[s % len(PHOTOS)]), n, size, seed=s, span=scene_len)


def demo_frames(n_frames: int = 60, size: tuple[int, int] = (416, 240), scene_len: int = 30) -> np.ndarray:
    """The demo clip as one array [T, H, W, 3] uint8 (for short clips: benchmarks, tests)."""
    return np.stack(list(demo_stream(n_frames, size, scene_len)))


def demo_source(n_frames: int = 60, size: tuple[int, int] = (416, 240)) -> FrameSource:
    """The demo clip as a FrameSource, generated as it is read."""
    return FrameSource("demo", size[0], size[1], 25.0, n_frames, lambda: demo_stream(n_frames, size))
