"""Training and validation footage: Vimeo-90K septuplets, PNG folders, video files, raw YUV.

Every source becomes a *sequence*: uint8 frames [N, H, W, 3] (RGB) held in memory; training
samples are windows of ``clip_len`` consecutive frames drawn from any sequence. The data this
project trains on is small (tens of MB), so preloading is simpler and faster than streaming; a
user with the full 89,800-clip Vimeo-90K set points ``vimeo`` at it and sets ``max_vimeo`` (or
feeds it through ``torchrun`` on a machine with the memory for it).

Sources (``DataConfig``):
- ``vimeo``: a Vimeo-90K septuplet root, ``sequences/<folder>/<clip>/im1.png … im7.png`` listed
  by ``sep_trainlist.txt`` (one ``folder/clip`` a line).
- ``sources``: PNG folders, video files (PyAV: mp4, mkv, avi, y4m, …) or ``.yuv`` files given as
  ``path`` or ``path@WxH`` (raw YUV needs the size). A path without a suffix that does not exist
  is matched against ``path.*``.
- ``pack``: one file written by :func:`write_pack` holding the training footage of all of the
  above (the GPU recipe); it replaces them, and there is no validation footage in it.
- ``images``: photographs (PNG/JPEG files, or folders of them), each a one-frame sequence: the
  I-frame stages train on them, the GOP stages use them as stills under synthetic camera motion.
- ``validation``: sources kept out of training; :func:`load_validation` reads them.
- ``val_images``: held-out photographs; :func:`load_validation_photos` reads them (I-frame figure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dvst.errors import DvstError


@dataclass
class DataConfig:
    """Where the footage comes from (paths relative to ``root``)."""

    root: str = "../shared/data"
    vimeo: str | None = "vimeo90k"
    vimeo_list: str = "sep_trainlist.txt"
    max_vimeo: int | None = None
    sources: list[str] = field(default_factory=list)
    validation: list[str] = field(default_factory=list)
    max_frames: int | None = 400       # per source, so one long video does not dominate
    max_short_side: int = 288          # larger sources are downscaled by an integer factor
    val_frames: int = 8                # validation frames per clip (two GOPs of 4)
    images: list[str] = field(default_factory=list)
    max_image_short_side: int = 576    # larger photographs are downscaled by an integer factor
    val_images: list[str] = field(default_factory=list)
    pack: str | None = None            # one file from write_pack: read instead of all of the above


@dataclass
class Sequence:
    """One source's frames, uint8 [N, H, W, 3], and where they came from."""

    name: str
    frames: np.ndarray


def _resolve(root: Path, entry: str) -> tuple[Path, str | None]:
    """``path[@WxH]`` under ``root`` → (existing path, size); a suffix-less name may match ``name.*``."""
    spec, _, size = entry.partition("@")
    p = Path(spec)
    if not p.is_absolute():
        p = root / p
    if not p.exists():
        matches = sorted(p.parent.glob(p.name + ".*")) if p.parent.is_dir() else []
        if len(matches) != 1:
            raise DvstError(f"training source not found: {p}")
        p = matches[0]
    return p, (size or None)


def downscale(frames: np.ndarray, factor: int) -> np.ndarray:
    """Box-filter downscale of uint8 [N, H, W, 3] by an integer ``factor`` (crops the remainder)."""
    if factor <= 1:
        return frames
    n, h, w, c = frames.shape
    h2, w2 = h // factor, w // factor
    x = frames[:, : h2 * factor, : w2 * factor].reshape(n, h2, factor, w2, factor, c)
    return (x.astype(np.float32).mean(axis=(2, 4)) + 0.5).astype(np.uint8)


def _fit(frames: np.ndarray, max_short_side: int) -> np.ndarray:
    short = min(frames.shape[1:3])
    return downscale(frames, max(1, int(np.ceil(short / max_short_side)))) if max_short_side else frames


def read_vimeo(root: str | Path, list_file: str = "sep_trainlist.txt", limit: int | None = None) -> list[Sequence]:
    """The septuplets listed in ``root/list_file``, each a Sequence of 7 frames."""
    from dvst.io.video import read_frames

    root = Path(root)
    lst = root / list_file
    if not lst.is_file():
        raise DvstError(f"Vimeo-90K list not found: {lst}")
    names = [ln.strip() for ln in lst.read_text().splitlines() if ln.strip()]
    if limit:
        names = names[:limit]
    seqs = []
    for name in names:
        folder = root / "sequences" / name
        if not folder.is_dir():
            raise DvstError(f"{lst} lists {name} but {folder} does not exist")
        seqs.append(Sequence(f"vimeo/{name}", read_frames(folder)))
    if not seqs:
        raise DvstError(f"{lst} lists no septuplets")
    return seqs


def read_source(root: str | Path, entry: str, max_frames: int | None = None,
                max_short_side: int = 0) -> Sequence:
    """One PNG folder, video file or ``.yuv@WxH`` as a Sequence (downscaled to ``max_short_side``)."""
    from dvst.io.video import read_frames

    path, size = _resolve(Path(root), entry)
    frames = read_frames(path, size=size, max_frames=max_frames)
    return Sequence(Path(entry.partition("@")[0]).name, _fit(frames, max_short_side))


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


def read_images(root: str | Path, entries: list[str], max_short_side: int = 0) -> list[Sequence]:
    """Photographs (files, or folders of them) as one-frame Sequences, RGB uint8, downscaled
    by an integer factor to ``max_short_side`` (0: full size)."""
    from PIL import Image, UnidentifiedImageError

    files: list[Path] = []
    for entry in entries:
        p = Path(entry) if Path(entry).is_absolute() else Path(root) / entry
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
        elif p.is_file():
            files.append(p)
        else:
            raise DvstError(f"photograph not found: {p}")
    seqs = []
    for f in files:
        try:
            with Image.open(f) as img:
                if img.width * img.height > 64e6:
                    raise DvstError(f"{f}: {img.width}x{img.height} is over the 64-Mpixel limit")
                frame = np.asarray(img.convert("RGB"), dtype=np.uint8)
        except (OSError, UnidentifiedImageError) as e:
            raise DvstError(f"cannot read photograph {f}: {e}") from None
        seqs.append(Sequence(f.name, _fit(frame[None], max_short_side)))
    return seqs


def load_training(cfg: DataConfig) -> list[Sequence]:
    """Every training sequence of ``cfg`` (Vimeo septuplets, ``sources``, ``images``), preloaded."""
    if cfg.pack:
        return read_pack(cfg.pack)
    seqs: list[Sequence] = []
    if cfg.vimeo:
        seqs += read_vimeo(Path(cfg.root) / cfg.vimeo, cfg.vimeo_list, cfg.max_vimeo)
    for entry in cfg.sources:
        seqs.append(read_source(cfg.root, entry, cfg.max_frames, cfg.max_short_side))
    seqs += read_images(cfg.root, cfg.images, cfg.max_image_short_side)
    if not seqs:
        raise DvstError("the training config names no data (set data.vimeo, data.sources or data.images)")
    held_out = {Path(v.partition("@")[0]).name for v in cfg.validation}
    held_out |= {Path(v).name for v in cfg.val_images}
    leaked = [s.name for s in seqs if s.name in held_out]
    if leaked:
        raise DvstError(f"validation clip {leaked[0]} is also a training source")
    return seqs


def load_validation(cfg: DataConfig) -> list[Sequence]:
    """The held-out validation clips: the first ``val_frames`` frames of each, full size (none
    from a pack: it holds training footage only)."""
    if cfg.pack:
        return []
    return [read_source(cfg.root, v, cfg.val_frames, 0) for v in cfg.validation]


def load_validation_photos(cfg: DataConfig) -> list[Sequence]:
    """The held-out photographs, full size, one-frame Sequences (coded as I-frames); none from
    a pack."""
    if cfg.pack:
        return []
    return read_images(cfg.root, cfg.val_images, 0)


def windows(seqs: list[Sequence], clip_len: int, crop: int) -> np.ndarray:
    """All (sequence, start) pairs [K, 2] int64 whose frames are ≥ ``crop`` and ``clip_len`` long."""
    out = [(i, s) for i, q in enumerate(seqs)
           if min(q.frames.shape[1:3]) >= crop and len(q.frames) >= clip_len
           for s in range(len(q.frames) - clip_len + 1)]
    if not out:
        raise DvstError(f"no training sequence has {clip_len} frames of at least {crop}x{crop} pixels")
    return np.asarray(out, np.int64)


def describe(seqs: list[Sequence]) -> str:
    """One line: how many sequences, frames and megapixels."""
    n = sum(len(s.frames) for s in seqs)
    mp = sum(s.frames.shape[0] * s.frames.shape[1] * s.frames.shape[2] for s in seqs) / 1e6
    return f"{len(seqs)} sequences, {n} frames, {mp:.1f} Mpixel"


PACK_FORMAT = "dvst-data-pack-1"
PACK_JPEG_QUALITIES = (95, 92, 90, 87, 85, 82, 80)
PACK_MAX_BYTES = 24_000_000


def write_pack(cfg: DataConfig, dest: str | Path, max_bytes: int = PACK_MAX_BYTES) -> Path:
    """Write everything ``cfg`` trains and validates on into ONE file (``.npz``) of at most
    ``max_bytes``, for a machine that has neither the footage nor a video decoder (a short GPU
    lease: the file travels with the working tree, and reading it takes seconds).

    Training frames only, as JPEG (4:4:4) at the highest quality of ``PACK_JPEG_QUALITIES``
    that fits (quality 80 still codes natural video near 38–40 dB, far above what the codec
    reaches), already cut and downscaled as the config says. ``DataConfig(pack=FILE)`` reads it
    instead of the sources; the held-out clips and photographs stay behind (a run on a pack
    validates nothing: the figures are measured where the footage is, on the lossless originals).
    """
    import io
    import json

    from PIL import Image

    dest = Path(dest)
    if dest.suffix != ".npz":
        raise DvstError(f"the data pack is one .npz file, got {dest}")

    def encode(frame: np.ndarray, quality: int) -> np.ndarray:
        buf = io.BytesIO()
        Image.fromarray(frame).save(buf, "JPEG", quality=quality, subsampling=0)
        return np.frombuffer(buf.getvalue(), np.uint8)

    budget = max_bytes - 100_000
    train = load_training(cfg)
    for quality in PACK_JPEG_QUALITIES:
        train_coded = [[encode(f, quality) for f in s.frames] for s in train]
        if sum(a.size for frames in train_coded for a in frames) <= budget:
            break
    else:
        raise DvstError(f"the footage does not fit a {max_bytes / 1e6:.0f} MB pack even at JPEG quality "
                        f"{PACK_JPEG_QUALITIES[-1]}; use fewer frames (data.max_frames)")
    arrays: dict[str, np.ndarray] = {}
    index = []
    for seq, frames in zip(train, train_coded):
        for a in frames:
            arrays[f"f{len(arrays)}"] = a
        index.append({"name": seq.name, "frames": len(frames)})
    meta = {"format": PACK_FORMAT, "sequences": index, "jpeg_quality": quality}
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp.npz")
    np.savez(tmp, index=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
    tmp.replace(dest)
    return dest


def read_pack(path: str | Path) -> list[Sequence]:
    """The training sequences of a pack written by :func:`write_pack`."""
    import io
    import json

    from PIL import Image

    p = Path(path)
    if not p.is_file():
        raise DvstError(f"data pack not found: {p}")
    try:
        with np.load(p, allow_pickle=False) as z:
            meta = json.loads(bytes(z["index"]).decode())
            if meta.get("format") != PACK_FORMAT:
                raise DvstError(f"{p} is not a DVST data pack")
            out, k = [], 0
            for entry in meta["sequences"]:
                n = int(entry["frames"])
                frames = [np.asarray(Image.open(io.BytesIO(z[f"f{k + i}"].tobytes())).convert("RGB"))
                          for i in range(n)]
                out.append(Sequence(entry["name"], np.stack(frames)))
                k += n
    except (OSError, ValueError, KeyError) as e:
        raise DvstError(f"corrupt data pack {p}: {type(e).__name__}") from None
    return out
