"""Frame sources and sinks. Every frame is RGB uint8 of shape [H, W, 3].

Sources: a video file through PyAV (mp4, mkv, avi, y4m, …), a folder of PNG frames (sorted
by name; a Vimeo-90K septuplet folder is one), raw YUV 4:2:0 (``.yuv`` with ``size=(W, H)``),
and ``demo`` — real photographs shipped with scikit-image under a synthetic camera path.
Raw YUV and PyAV use BT.601 limited range, FFmpeg's default.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dvst.errors import DvstError
from foundation.errors import ParameterError

VIDEO_SUFFIXES = {".mp4", ".mkv", ".avi", ".mov", ".webm", ".y4m", ".m4v", ".ts", ".h264", ".hevc", ".265", ".264"}


@dataclass
class FrameSource:
    """An iterable of RGB uint8 frames [H, W, 3] with the stream's properties.

    ``n_frames`` is None when the container does not say; ``fps`` defaults to 25.
    """

    name: str
    width: int
    height: int
    fps: float
    n_frames: int | None
    _iter_factory: object

    def __iter__(self) -> Iterator[np.ndarray]:
        return self._iter_factory()  # type: ignore[operator]


MAX_SIDE = 8192  # pixels; 8K video fits, a typo like 100000x100000 is an error, not a MemoryError
MAX_PIXELS = 8192 * 4320  # per frame: 8K UHD
MAX_HELD_BYTES = 4 << 30  # frames read into one array ([T, H, W, 3] uint8) at most


def check_frame_size(width: int, height: int, what: str) -> None:
    """A DvstError for a frame larger than MAX_SIDE on a side or MAX_PIXELS in all, checked from
    the header before any pixel is decoded (a 20000x20000 PNG is a few kB on disk)."""
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise DvstError(f"{what}: {width}x{height} frames are larger than the limit of "
                        f"{MAX_SIDE} pixels on a side and {MAX_PIXELS // 10**6} Mpixel")


def parse_size(size: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``"416x240"`` → (416, 240); a bad string is a DvstError."""
    if size is None or isinstance(size, tuple):
        return size
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise ParameterError("size", f"size must look like 416x240, got {size!r}") from None
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise ParameterError("size", f"size must be positive and even for YUV 4:2:0, got {size!r}")
    check_frame_size(w, h, "size")
    return w, h


def _png_source(folder: Path, max_frames: int | None) -> FrameSource:

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png")
    if not files:
        raise DvstError(f"no PNG frames in {folder}")
    if max_frames:
        files = files[:max_frames]
    first = _read_png(files[0])
    h, w = first.shape[:2]

    def frames() -> Iterator[np.ndarray]:
        for f in files:
            img = _read_png(f)
            if img.shape != (h, w, 3):
                raise DvstError(f"{f}: frame size {img.shape[1]}x{img.shape[0]} differs from {w}x{h}")
            yield img

    fps = 25.0
    meta = folder / "meta.json"
    if meta.is_file():
        import json

        try:
            fps = float(json.loads(meta.read_text()).get("fps", fps))
        except (ValueError, TypeError, AttributeError):
            pass
    return FrameSource(folder.name, w, h, fps, len(files), frames)


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            check_frame_size(im.width, im.height, str(path))
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as e:
        raise DvstError(f"cannot read image {path}: {e}") from None


def _av_source(path: Path, max_frames: int | None) -> FrameSource:
    import av

    try:
        container = av.open(str(path))
        stream = container.streams.video[0]
    except (av.error.FFmpegError, IndexError, OSError, UnicodeDecodeError) as e:
        raise DvstError(f"cannot open video {path}: {e if str(e) else 'no video stream'}") from None
    w, h = stream.codec_context.width, stream.codec_context.height
    fps = float(stream.average_rate) if stream.average_rate else 25.0
    n = stream.frames or None
    container.close()
    if not w or not h:
        raise DvstError(f"cannot open video {path}: no frame size")
    check_frame_size(w, h, str(path))
    if max_frames and n:
        n = min(n, max_frames)

    def frames() -> Iterator[np.ndarray]:
        try:
            with av.open(str(path)) as c:
                count = 0
                for frame in c.decode(video=0):
                    yield frame.to_ndarray(format="rgb24")
                    count += 1
                    if max_frames and count >= max_frames:
                        return
        except av.error.FFmpegError as e:
            raise DvstError(f"cannot decode video {path}: {e}") from None

    return FrameSource(path.name, w, h, fps, n, frames)


def yuv420_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """BT.601 limited-range YUV 4:2:0 planes ([H,W], [H/2,W/2] ×2, uint8) → RGB uint8 [H, W, 3]."""
    yf = (y.astype(np.float32) - 16.0) * (255.0 / 219.0)
    uf = np.repeat(np.repeat(u.astype(np.float32) - 128.0, 2, 0), 2, 1) * (255.0 / 224.0)
    vf = np.repeat(np.repeat(v.astype(np.float32) - 128.0, 2, 0), 2, 1) * (255.0 / 224.0)
    r = yf + 1.402 * vf
    g = yf - 0.344136 * uf - 0.714136 * vf
    b = yf + 1.772 * uf
    return np.clip(np.stack([r, g, b], -1) + 0.5, 0, 255).astype(np.uint8)


def _yuv_source(path: Path, size: tuple[int, int] | None, max_frames: int | None) -> FrameSource:
    if size is None:
        raise ParameterError("size", f"{path}: raw YUV needs size WxH")
    w, h = size
    frame_bytes = w * h * 3 // 2
    total = path.stat().st_size
    if total < frame_bytes:
        raise DvstError(f"{path}: smaller than one {w}x{h} YUV 4:2:0 frame")
    n, rest = divmod(total, frame_bytes)
    if rest:
        raise ParameterError("size", f"{path}: {total} bytes is not a whole number of {w}x{h} YUV 4:2:0 "
                                     f"frames ({n} frames and {rest} bytes more); is size right?")
    if max_frames:
        n = min(n, max_frames)

    def frames() -> Iterator[np.ndarray]:
        with open(path, "rb") as f:
            for _ in range(n):
                buf = np.frombuffer(f.read(frame_bytes), np.uint8)
                y = buf[: w * h].reshape(h, w)
                u = buf[w * h: w * h * 5 // 4].reshape(h // 2, w // 2)
                v = buf[w * h * 5 // 4:].reshape(h // 2, w // 2)
                yield yuv420_to_rgb(y, u, v)

    return FrameSource(path.name, w, h, 25.0, n, frames)


def open_source(spec: str | os.PathLike | None, size: str | tuple[int, int] | None = None,
                max_frames: int | None = None) -> FrameSource:
    """Open a frame source: a video file, a PNG folder, a ``.yuv`` file, or ``demo``/None.

    max_frames: stop after this many frames (None or 0: all of them).
    """
    if max_frames is not None and max_frames < 0:
        raise DvstError(f"the number of frames must be >= 0, got {max_frames}")
    if spec is None or str(spec) == "demo":
        from dvst.io.demo import demo_source

        return demo_source(n_frames=max_frames or 60, size=parse_size(size) or (416, 240))
    path = Path(spec)
    if not path.exists():
        raise DvstError(f"input not found: {path}")
    if path.is_dir():
        return _png_source(path, max_frames)
    suffix = path.suffix.lower()
    if suffix == ".yuv":
        return _yuv_source(path, parse_size(size), max_frames)
    if suffix == ".png":
        img = _read_png(path)
        return FrameSource(path.name, img.shape[1], img.shape[0], 25.0, 1, lambda: iter([img]))
    return _av_source(path, max_frames)


def read_frames(spec: str | os.PathLike | None, size: str | tuple[int, int] | None = None,
                max_frames: int | None = None) -> np.ndarray:
    """All frames of a source as one array [T, H, W, 3] uint8, at most MAX_HELD_BYTES of them
    (a longer input is a DvstError that asks for a frame limit, not a MemoryError)."""
    src = open_source(spec, size, max_frames)
    frame_bytes = src.width * src.height * 3
    limit = MAX_HELD_BYTES // frame_bytes
    if src.n_frames is not None and src.n_frames > limit:
        raise DvstError(f"{spec}: {src.n_frames} frames of {src.width}x{src.height} do not fit in "
                        f"{MAX_HELD_BYTES >> 30} GiB of memory; read at most {limit} frames")
    frames = []
    for f in src:
        if len(frames) >= limit:
            raise DvstError(f"{spec}: more than {limit} frames of {src.width}x{src.height} do not fit "
                            f"in {MAX_HELD_BYTES >> 30} GiB of memory; read fewer frames")
        frames.append(f)
    if not frames:
        raise DvstError(f"no frames could be decoded from {spec}")
    return np.stack(frames)


def write_video(path: str | os.PathLike, frames, fps: float = 25.0, crf: int = 12) -> int:
    """Write RGB uint8 frames [H, W, 3] to a video file as they come; → frames written.

    H.264 (lossless-ish crf, no B-frames or look-ahead, so a frame leaves the encoder at once)
    in fragmented MP4/MOV with a fragment every second (``frag_keyframe`` + one key frame per
    second) or in Matroska: memory does not grow with the length, and a run killed without
    warning leaves a playable file up to its last fragment.
    """
    from fractions import Fraction

    import av

    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise DvstError("no frames to write")
    h, w = first.shape[:2]
    p = Path(path)
    rate = Fraction(fps).limit_denominator(1001)
    options = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"} \
        if p.suffix.lower() in (".mp4", ".mov", ".m4v") else {"flush_packets": "1"}
    n = 0
    try:
        with av.open(str(p), "w", options=options) as c:
            s = c.add_stream("libx264", rate=rate)
            s.width, s.height = w - w % 2, h - h % 2
            s.pix_fmt = "yuv420p"
            s.options = {"crf": str(crf), "preset": "veryfast", "tune": "zerolatency",
                         "g": str(max(1, round(float(rate))))}
            for img in itertools.chain([first], frames):
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[: s.height, : s.width]), format="rgb24")
                for pkt in s.encode(vf):
                    c.mux(pkt)
                n += 1
            for pkt in s.encode():
                c.mux(pkt)
    except (av.error.FFmpegError, OSError, ValueError) as e:
        raise DvstError(f"cannot write video {p}: {e}") from None
    return n
