"""The shared foundation: configs, the frame contract, video I/O, metrics, the CLI."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from dvst.eval.metrics import msssim_db, payload_cbr, psnr_db
from dvst.frames import EncodedFrame, ReceivedFrame
from dvst.io.video import read_frames, write_video, yuv420_to_rgb
from foundation.errors import ProjectError
from foundation.yaml_config import from_mapping, load_yaml


@dataclasses.dataclass
class Inner:
    gain_db: float = 0.0


@dataclasses.dataclass
class Outer:
    name: str = "x"
    fft_size: int = 64
    pilots: list[int] = dataclasses.field(default_factory=list)
    inner: Inner = dataclasses.field(default_factory=Inner)


def test_from_mapping_fills_nested_and_rejects_unknown_keys():
    cfg = from_mapping(Outer, {"fft_size": 128, "pilots": [1, 2], "inner": {"gain_db": 3}})
    assert cfg.fft_size == 128 and cfg.pilots == [1, 2] and cfg.inner.gain_db == 3.0
    with pytest.raises(ProjectError, match="unknown key 'fft'"):
        from_mapping(Outer, {"fft": 1})
    with pytest.raises(ProjectError, match="expected an integer"):
        from_mapping(Outer, {"fft_size": "big"})


def test_bad_yaml_is_a_one_line_error(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("a: [1, 2\n")
    with pytest.raises(ProjectError) as e:
        load_yaml(p)
    assert "\n" not in str(e.value)
    with pytest.raises(ProjectError, match="not found"):
        load_yaml(tmp_path / "missing.yaml")


def test_encoded_frame_bytes_round_trip_and_corruption():
    rng = np.random.default_rng(0)
    f = EncodedFrame(7, "P", (rng.normal(size=100) + 1j * rng.normal(size=100)).astype(np.complex64), b"\x01\x02")
    g = EncodedFrame.from_bytes(f.to_bytes())
    assert g.index == 7 and g.kind == "P" and g.side_info == b"\x01\x02"
    np.testing.assert_array_equal(g.symbols, f.symbols)
    raw = bytearray(f.to_bytes())
    raw[30] ^= 0xFF
    with pytest.raises(ProjectError, match="corrupt"):
        EncodedFrame.from_bytes(bytes(raw))
    with pytest.raises(ProjectError):
        ReceivedFrame(0, "I", np.zeros(4), np.zeros(3), None, 10.0)


def test_video_file_round_trip(tmp_path):
    frames = read_frames("demo", max_frames=6, size="176x144")
    assert frames.shape == (6, 144, 176, 3) and frames.dtype == np.uint8
    write_video(tmp_path / "x.mp4", frames, crf=0)
    back = read_frames(tmp_path / "x.mp4")
    assert back.shape == frames.shape
    assert psnr_db(frames, back) > 30  # crf 0 is lossless in YUV; 4:2:0 chroma costs a few dB


def test_raw_yuv_source(tmp_path):
    y = np.full((4, 6), 235, np.uint8)
    u = np.full((2, 3), 128, np.uint8)
    (tmp_path / "w.yuv").write_bytes((y.tobytes() + u.tobytes() + u.tobytes()) * 2)
    frames = read_frames(tmp_path / "w.yuv", size="6x4")
    assert frames.shape == (2, 4, 6, 3) and (frames == 255).all()
    assert (yuv420_to_rgb(np.full((2, 2), 16, np.uint8), u[:1, :1], u[:1, :1]) == 0).all()
    with pytest.raises(ProjectError, match="needs size WxH"):
        read_frames(tmp_path / "w.yuv")


def test_broken_video_is_a_dvst_error(tmp_path):
    p = tmp_path / "broken.mp4"
    p.write_bytes(b"\x00" * 1000)
    with pytest.raises(ProjectError):
        read_frames(p)
    with pytest.raises(ProjectError, match="not found"):
        read_frames(tmp_path / "none.mp4")


def test_metrics():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-3, 4, a.shape), 0, 255).astype(np.uint8)
    assert psnr_db(a, a) == 100.0
    assert 35 < psnr_db(a, b) < 45
    assert msssim_db(a, a) == 100.0 and 5 < msssim_db(a, b) < 100
    assert payload_cbr(240 * 416 * 3 / 10, 240, 416) == pytest.approx(0.1)


def test_cli_help_and_one_line_errors(tmp_path):
    out = subprocess.run([sys.executable, "-m", "dvst.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "dvst" in out.stdout
