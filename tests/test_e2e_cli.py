"""The end-to-end commands as a user runs them: one real run, and bad inputs as one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def dvst(*args, cwd=None, timeout=600):  # a cold numba cache compiles for minutes on a loaded machine
    env = dict(os.environ, PYTHONPATH=str(ROOT), DVST_PROGRESS="0")
    env.pop("DVST_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "dvst.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=timeout)


def one_line_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("dvst: warning")]
    assert len(lines) == 1 and lines[0].startswith("dvst") and ": error: " in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_loopback_command_writes_json_and_side_by_side_video(tmp_path):
    out, js = tmp_path / "lb.mp4", tmp_path / "lb.json"
    r = dvst("loopback", "--model", "small", "--frames", "4", "--size", "128x96", "--channel", "awgn",
             "--snr", "10", "--no-pace", "--out", out, "--json", js)
    assert r.returncode == 0, r.stderr
    d = json.loads(js.read_text())
    assert d["frames_sent"] == 4 and d["frames_decoded"] == 4
    for key in ("frames_concealed", "psnr_db", "msssim_db", "payload_cbr", "air_cbr", "snr_measured_db",
                "fps", "latency_ms_p50", "latency_ms_p95"):
        assert d[key] is not None, key
    from dvst.io.video import read_frames

    video = read_frames(out)
    assert video.shape == (4, 96, 256, 3)   # original | reconstruction


def test_record_then_replay_from_the_command_line(tmp_path):
    cap = tmp_path / "cap.sigmf-meta"
    r = dvst("record", "demo", "--out", cap, "--frames", "4", "--size", "128x96", "--model", "small")
    assert r.returncode == 0, r.stderr
    js = tmp_path / "replay.json"
    r = dvst("replay", cap, "--reference", "demo", "--size", "128x96", "--frames", "4", "--model", "small",
             "--json", js)
    assert r.returncode == 0, r.stderr
    d = json.loads(js.read_text())
    assert d["frames_decoded"] == 4 and d["psnr_db"] is not None


@pytest.mark.parametrize("case", ["missing", "garbage"])
def test_unreadable_video_is_a_one_line_error(tmp_path, case):
    bad = tmp_path / "clip.mp4"
    if case == "garbage":
        bad.write_bytes(b"\x00not a video" * 100)
    r = dvst("loopback", bad, "--model", "small", "--frames", "2")
    one_line_error(r, "clip.mp4")


def test_missing_model_is_a_one_line_error(tmp_path):
    one_line_error(dvst("loopback", "--model", "no-such-model", "--frames", "2"), "no-such-model")
    one_line_error(dvst("loopback", "--model", tmp_path / "gone.pt", "--frames", "2"), "gone.pt")


def test_a_radio_that_is_not_there_is_a_one_line_error():
    r = dvst("rx", "--uri", "ip:127.0.0.1", "--model", "small", "--frames", "1", timeout=120)
    one_line_error(r, "127.0.0.1")
    one_line_error(dvst("tx", "demo", "--uri", "bogus", "--model", "small"), "URI")


def test_a_corrupt_recording_is_a_one_line_error(tmp_path):
    meta = tmp_path / "bad.sigmf-meta"
    meta.write_text("{ this is not json")
    (tmp_path / "bad.sigmf-data").write_bytes(b"\x01\x02\x03")
    one_line_error(dvst("replay", meta, "--model", "small"), "bad.sigmf-meta")
    one_line_error(dvst("replay", tmp_path / "absent.sigmf-meta", "--model", "small"), "not found")


def test_bad_flags_are_one_line_errors(tmp_path):
    one_line_error(dvst("loopback", "--snr", "99", "--model", "small"), "snr")
    one_line_error(dvst("loopback", "--channel", "nowhere", "--model", "small", "--frames", "1"), "nowhere")
    cfg = tmp_path / "c.yaml"
    cfg.write_text("snr_db: 5\nbogus: 1\n")
    one_line_error(dvst("loopback", "--config", cfg, "--model", "small"), "bogus")


def test_loopback_window_headless_screenshot(tmp_path):
    png, js = tmp_path / "window.png", tmp_path / "lb.json"
    r = dvst("loopback", "--model", "small", "--frames", "3", "--size", "128x96", "--channel", "awgn",
             "--no-pace", "--screenshot", png, "--json", js)
    assert r.returncode == 0, r.stderr
    assert png.stat().st_size > 10_000 and json.loads(js.read_text())["frames_decoded"] == 3
