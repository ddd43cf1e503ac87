"""Training data: loaders for the Vimeo-90K layout, PNG folders, video files and raw YUV; augmentation."""

import numpy as np
import pytest
from PIL import Image

from dvst.train.augment import AugmentConfig, ClipSampler, camera_motion, flip_and_reverse, random_crop
from dvst.train.data import (
    DataConfig,
    Sequence,
    downscale,
    load_training,
    load_validation,
    read_source,
    read_vimeo,
    write_pack,
)
from foundation.errors import ProjectError


def _frames(n, h, w, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h + n * 2, w + n * 2, 3), dtype=np.uint8)
    return np.stack([base[k * 2: k * 2 + h, k: k + w] for k in range(n)])  # moving texture


def _write_pngs(folder, frames, pattern="{:03d}.png"):
    folder.mkdir(parents=True, exist_ok=True)
    for k, f in enumerate(frames):
        Image.fromarray(f).save(folder / pattern.format(k))


@pytest.fixture
def vimeo(tmp_path):
    root = tmp_path / "vimeo"
    names = ["00001/0001", "00001/0002", "00002/0001"]
    for i, n in enumerate(names):
        _write_pngs(root / "sequences" / n, _frames(7, 64, 96, seed=i))
        for k in range(7):  # Vimeo numbers its frames im1…im7
            (root / "sequences" / n / f"{k:03d}.png").rename(root / "sequences" / n / f"im{k + 1}.png")
    (root / "sep_trainlist.txt").write_text("\n".join(names) + "\n")
    return root


def test_vimeo_layout(vimeo):
    seqs = read_vimeo(vimeo)
    assert [s.name for s in seqs] == ["vimeo/00001/0001", "vimeo/00001/0002", "vimeo/00002/0001"]
    assert all(s.frames.shape == (7, 64, 96, 3) and s.frames.dtype == np.uint8 for s in seqs)
    assert len(read_vimeo(vimeo, limit=2)) == 2
    (vimeo / "sep_trainlist.txt").write_text("00009/0001\n")
    with pytest.raises(ProjectError, match="does not exist"):
        read_vimeo(vimeo)


def test_png_folder_yuv_and_video(tmp_path):
    frames = _frames(5, 64, 80)
    _write_pngs(tmp_path / "clip", frames)
    seq = read_source(tmp_path, "clip")
    assert np.array_equal(seq.frames, frames)
    # raw YUV 4:2:0 with its size, read through dvst.io
    yuv = tmp_path / "grey.yuv"
    w, h = 48, 32
    yuv.write_bytes((b"\x80" * (w * h) + b"\x80" * (w * h // 2)) * 3)
    seq = read_source(tmp_path, "grey.yuv@48x32")
    assert seq.frames.shape == (3, 32, 48, 3)
    assert abs(int(seq.frames.mean()) - 130) <= 2  # BT.601 limited range: Y=128 → about 130
    # a video file, and the same name without its suffix finds it
    from dvst.io.video import write_video

    write_video(tmp_path / "moving.mp4", frames)
    seq = read_source(tmp_path, "moving", max_frames=4)
    assert seq.frames.shape == (4, 64, 80, 3)
    with pytest.raises(ProjectError, match="not found"):
        read_source(tmp_path, "missing")


def test_downscale_and_split(tmp_path, vimeo):
    big = _frames(2, 100, 130)
    small = downscale(big, 2)
    assert small.shape == (2, 50, 65, 3)
    assert abs(float(small.mean()) - float(big[:, :100, :130].mean())) < 1.0
    _write_pngs(tmp_path / "clips" / "val", _frames(10, 64, 64))
    cfg = DataConfig(root=str(tmp_path), vimeo="vimeo", sources=[], validation=["clips/val"], val_frames=8)
    assert len(load_training(cfg)) == 3
    val = load_validation(cfg)
    assert val[0].frames.shape == (8, 64, 64, 3)
    leak = DataConfig(root=str(tmp_path), vimeo=None, sources=["clips/val"], validation=["clips/val"])
    with pytest.raises(ProjectError, match="validation clip"):
        load_training(leak)
    with pytest.raises(ProjectError, match="npz"):
        write_pack(cfg, tmp_path / "pack")
    pack = write_pack(cfg, tmp_path / "pack.npz")
    again = DataConfig(root="/nonexistent", vimeo="vimeo", validation=["clips/val"], pack=str(pack))
    assert load_validation(again) == []                    # held-out footage stays where it is
    train = load_training(again)
    assert [s.name for s in train] == [s.name for s in load_training(cfg)]
    diff = train[0].frames.astype(int) - load_training(cfg)[0].frames
    assert 0 < np.abs(diff).mean() < 4.0                                          # JPEG 95
    with pytest.raises(ProjectError, match="does not fit"):
        write_pack(cfg, tmp_path / "tiny.npz", max_bytes=20_000)
    (tmp_path / "bad.npz").write_bytes(b"not a pack")
    with pytest.raises(ProjectError, match="data pack"):
        load_training(DataConfig(pack=str(tmp_path / "bad.npz")))


def test_augmentation_keeps_shapes():
    rng = np.random.default_rng(0)
    clip = _frames(5, 70, 90)
    c = random_crop(clip, 32, rng)
    assert c.shape == (5, 32, 32, 3)
    cfg = AugmentConfig(p_hflip=1.0, p_vflip=1.0, p_reverse=1.0)
    f = flip_and_reverse(clip, cfg, rng)
    assert f.shape == clip.shape and np.array_equal(f[0], clip[-1, ::-1, ::-1])
    m = camera_motion(clip[0], 4, 32, rng, max_speed=3.0)
    assert m.shape == (4, 32, 32, 3) and m.dtype == np.uint8
    assert np.abs(m[1].astype(int) - m[0]).mean() > 0  # the camera moves


def test_sampler_batches():
    seqs = [Sequence("a", _frames(6, 64, 80, 1)), Sequence("b", _frames(3, 64, 64, 2))]
    s = ClipSampler(seqs, 4, 32, AugmentConfig(p_still=0.5), seed=1)
    b = s.batch(6)
    assert b.shape == (6, 4, 3, 32, 32) and b.dtype.is_floating_point
    assert 0.0 <= float(b.min()) and float(b.max()) <= 1.0
    again = ClipSampler(seqs, 4, 32, AugmentConfig(p_still=0.5), seed=1).batch(6)
    assert (again == b).all()  # seeded
    with pytest.raises(ProjectError, match="no training sequence"):
        ClipSampler(seqs, 8, 32)
