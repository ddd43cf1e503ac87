"""Bad input found in review: each is a one-line ProjectError (or a clean exit), never a hang or a
traceback."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from dvst.cli import main
from dvst.eval.metrics import msssim
from dvst.io.video import open_source
from dvst.link.link_config import LinkConfig
from dvst.link.sinks import VideoFileSink
from dvst.link.stats import FrameStats
from foundation.errors import ProjectError
from foundation.yaml_config import load_yaml
from radio.devices import SigMFDevice


def test_binary_yaml_is_a_one_line_error(tmp_path):
    p = tmp_path / "zeros.yaml"
    p.write_bytes(bytes(64))
    with pytest.raises(ProjectError, match="bad YAML") as e:
        load_yaml(p)
    assert "\n" not in str(e.value)


def test_cli_prints_a_multi_line_error_on_one_line(capsys, monkeypatch):
    import dvst.commands.models as models

    def boom(args):
        raise ProjectError("first\nsecond")

    monkeypatch.setattr(models, "run", boom)
    assert main(["models"]) == 2
    err = capsys.readouterr().err
    assert err == "dvst: error: first second\n"


@pytest.mark.parametrize("field", ["snr_db", "cfo_ppm", "sfo_ppm", "lo_hz", "sample_rate", "rx_gain_db"])
def test_link_config_rejects_nan(field):
    with pytest.raises(ProjectError, match=field):
        LinkConfig(**{field: float("nan")})


def test_link_config_rejects_a_negative_seed():
    with pytest.raises(ProjectError, match="seed"):
        LinkConfig(seed=-1)


def test_msssim_on_tiny_frames_is_a_dvst_error():
    a = np.zeros((16, 40, 3), np.uint8)
    with pytest.raises(ProjectError, match="MS-SSIM"):
        msssim(a, a)
    b = np.zeros((40, 40, 3), np.uint8)
    assert msssim(b, b) == pytest.approx(1.0)


def test_negative_frame_count_is_an_error():
    with pytest.raises(ProjectError, match=">= 0"):
        open_source("demo", max_frames=-1)


def test_sigmf_recording_without_its_data_file(tmp_path):
    with SigMFDevice(tmp_path / "r", mode="record") as rec:
        rec.tx(np.full(100, 0.1 + 0.1j, np.complex64))
    (tmp_path / "r.sigmf-data").unlink()
    with pytest.raises(ProjectError, match="data file"):
        SigMFDevice(tmp_path / "r")


def test_sigmf_recorder_closes_its_source_even_if_the_metadata_fails(tmp_path, monkeypatch):
    closed = []

    class Source:
        kind = "stub"

        def settings(self):
            from radio.devices.base import DEFAULTS
            return dict(DEFAULTS)

        def close(self):
            closed.append(True)

    rec = SigMFDevice(tmp_path / "r", mode="record", source=Source())
    monkeypatch.setattr(rec, "_write_meta", lambda: (_ for _ in ()).throw(ProjectError("disk full")))
    with pytest.raises(ProjectError, match="disk full"):
        rec.close()
    assert closed == [True]


def test_video_sink_that_fails_at_the_end_does_not_hang(tmp_path):
    """The writer may fail after it took close()'s end marker (e.g. an unwritable path found
    when the container header is written): close() must return and raise, not wait forever."""
    sink = VideoFileSink(tmp_path / "missing-dir" / "x.mp4")
    img = np.zeros((32, 32, 3), np.uint8)
    sink.put(FrameStats(index=0, kind="I", status="decoded", reconstruction=img, original=img))
    done: list = []

    def close():
        try:
            sink.close()
        except ProjectError as e:
            done.append(e)

    t = threading.Thread(target=close, daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "VideoFileSink.close() hung"
    assert done and "cannot write video" in str(done[0])
