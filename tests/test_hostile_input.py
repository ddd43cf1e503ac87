"""Hostile but fair input, by class (issue 15): generated sizes and partial frames, corrupt and
non-finite checkpoints, nested YAML aliases, odd outputs. Each is a one-line ProjectError (or a
one-line argparse error) before any work, never an internal error, a hang or a flood."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dvst.cli import MAX_MESSAGE, main, one_line
from dvst.codec import checkpoint
from dvst.console import VIDEO_OUT, check_output_path
from dvst.io import video
from dvst.io.video import MAX_SIDE, open_source, read_frames
from dvst.link.link_config import LinkConfig
from foundation.errors import ProjectError
from foundation.yaml_config import MAX_YAML_BYTES, MAX_YAML_VALUES, brief, from_mapping, load_yaml

FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---- class 2: sizes and amounts checked before work starts ---------------------------------------
@FEW
@given(w=st.integers(1, 24).map(lambda k: 2 * k), h=st.integers(1, 24).map(lambda k: 2 * k),
       n=st.integers(0, 4), extra=st.integers(0, 10_000))
def test_raw_yuv_is_whole_frames_or_an_error(tmp_path, w, h, n, extra):
    frame = w * h * 3 // 2
    extra %= frame
    p = tmp_path / f"clip_{w}x{h}_{n}_{extra}.yuv"
    p.write_bytes(bytes(n * frame + extra))
    if n == 0 or extra:
        with pytest.raises(ProjectError, match="whole number|smaller than one") as e:
            open_source(p, size=(w, h))
        assert "\n" not in str(e.value)
    else:
        assert len(list(open_source(p, size=(w, h)))) == n


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.integers(MAX_SIDE + 1, 3 * MAX_SIDE), h=st.integers(1, 16), flip=st.booleans())
def test_oversized_images_are_refused_from_their_header(tmp_path, w, h, flip):
    from PIL import Image

    size = (h, w) if flip else (w, h)
    p = tmp_path / f"big_{size[0]}x{size[1]}.png"
    Image.new("1", size).save(p)   # a few kB on disk, gigabytes once decoded to RGB
    with pytest.raises(ProjectError, match="larger than the limit"):
        open_source(p)


def test_a_decompression_bomb_is_a_one_line_error(tmp_path):
    from PIL import Image

    p = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(p)
    with pytest.raises(ProjectError, match="bomb.png") as e:
        open_source(p)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("size", ["9000x8", "8192x8192", "100000x2"])
def test_frame_sizes_beyond_the_limit_are_refused(size):
    with pytest.raises(ProjectError, match="larger than the limit"):
        video.parse_size(size)


def test_reading_more_frames_than_memory_allows_is_an_error_up_front(tmp_path, monkeypatch):
    p = tmp_path / "c.yuv"
    p.write_bytes(bytes(10 * 32 * 16 * 3 // 2))
    monkeypatch.setattr(video, "MAX_HELD_BYTES", 4 * 32 * 16 * 3)
    with pytest.raises(ProjectError, match="do not fit"):
        read_frames(p, size=(32, 16))
    assert read_frames(p, size=(32, 16), max_frames=4).shape == (4, 16, 32, 3)


def test_the_demo_clip_is_generated_as_it_is_read():
    tracemalloc.start()
    try:
        src = open_source("demo", size=(416, 240), max_frames=100_000_000)
        it = iter(src)
        frames = [next(it) for _ in range(3)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert src.n_frames == 100_000_000 and frames[0].shape == (240, 416, 3)
    assert peak < 64e6   # 10^8 frames held in memory would be 30 TB


# ---- class 3: checkpoints that load but are wrong ------------------------------------------------
@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from dvst.codec.model_config import load_model_config
    from dvst.codec.video import DVSTModel

    p = tmp_path_factory.mktemp("ckpt") / "small.pt"
    checkpoint.save(p, DVSTModel(load_model_config("small")))
    return p, torch.load(p, weights_only=True)


@FEW
@given(data=st.data(), bad=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_non_finite_weights_are_refused_naming_the_tensor(tmp_path, saved_model, data, bad):
    _, blob = saved_model
    keys = [k for k, v in blob["state_dict"].items() if v.is_floating_point() and v.numel()]
    key = data.draw(st.sampled_from(keys))
    state = dict(blob["state_dict"])
    t = state[key].clone().flatten()
    t[data.draw(st.integers(0, t.numel() - 1))] = bad
    state[key] = t.view_as(blob["state_dict"][key])
    p = tmp_path / "bad.pt"
    torch.save({**blob, "state_dict": state}, p)
    with pytest.raises(ProjectError, match=f"tensor {key} holds NaN"):
        checkpoint.load(p)


@FEW
@given(key=st.sampled_from(["format", "config", "state_dict"]),
       value=st.one_of(st.none(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=3),
                       st.just("drop")))
def test_a_checkpoint_missing_or_mangling_a_part_is_a_one_line_error(tmp_path, saved_model, key, value):
    _, blob = saved_model
    broken = dict(blob)
    if value == "drop":
        del broken[key]
    else:
        broken[key] = value
    p = tmp_path / "broken.pt"
    torch.save(broken, p)
    with pytest.raises(ProjectError) as e:
        checkpoint.load(p)
    assert "\n" not in str(e.value) and len(str(e.value)) < 200


def test_a_state_dict_entry_that_is_not_a_tensor_is_named(tmp_path, saved_model):
    _, blob = saved_model
    key = next(iter(blob["state_dict"]))
    p = tmp_path / "odd.pt"
    torch.save({**blob, "state_dict": {**blob["state_dict"], key: [1.0, 2.0]}}, p)
    with pytest.raises(ProjectError, match="is not a tensor"):
        checkpoint.load(p)


def test_a_training_checkpoint_with_nan_weights_is_refused(tmp_path):
    from dvst.train.checkpoint import KEYS, load_training, save_training

    state = {k: 0 for k in KEYS}
    state.update(model={"w": torch.tensor([1.0, math.nan])}, optimizer={}, config={}, rng={})
    save_training(tmp_path / "last.pt", state)
    with pytest.raises(ProjectError, match="tensor w holds NaN"):
        load_training(tmp_path / "last.pt")


def test_nan_checkpoint_from_the_command_line(tmp_path, saved_model, capsys):
    _, blob = saved_model
    key = next(k for k, v in blob["state_dict"].items() if v.is_floating_point())
    p = tmp_path / "nan.pt"
    torch.save({**blob, "state_dict": {**blob["state_dict"], key: blob["state_dict"][key] * math.nan}}, p)
    assert main(["loopback", "--model", str(p), "--frames", "1", "--size", "64x48", "--no-pace"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds NaN" in err[0]


# ---- class 4: configuration values that blow up the error path -----------------------------------
def laughs(depth: int, breadth: int, key: str = "snr_db") -> str:
    """A YAML mapping whose ``key`` holds ``breadth ** depth`` values through nested aliases."""
    parts = ["&a0 [" + ", ".join(['"lol"'] * breadth) + "]"]
    for d in range(1, depth):
        parts.append(f"&a{d} [" + ", ".join([f"*a{d - 1}"] * breadth) + "]")
    return f"{key}: [{', '.join(parts)}]\n"


@FEW
@given(depth=st.integers(1, 9), breadth=st.integers(2, 10))
def test_nested_aliases_are_bounded(tmp_path, depth, breadth):
    p = tmp_path / f"laughs_{depth}_{breadth}.yaml"
    p.write_text(laughs(depth, breadth))
    # the mapping, its key and the outer list, then part d: a full tree of depth d (every node counts)
    expanded = 3 + sum(sum(breadth ** j for j in range(d + 1)) for d in range(1, depth + 1))
    if expanded > MAX_YAML_VALUES:
        with pytest.raises(ProjectError, match="aliases"):
            load_yaml(p)
        return
    data = load_yaml(p)
    with pytest.raises(ProjectError) as e:   # a list where a number belongs: the value, abridged
        from_mapping(LinkConfig, data, "link config")
    assert "snr_db" in str(e.value) and len(str(e.value)) < 200


def test_an_oversized_yaml_file_is_refused_before_parsing(tmp_path):
    p = tmp_path / "huge.yaml"
    p.write_text("# " + "x" * MAX_YAML_BYTES + "\nsnr_db: 5\n")
    with pytest.raises(ProjectError, match="larger than"):
        load_yaml(p)


@FEW
@given(value=st.recursive(st.one_of(st.text(max_size=300), st.floats(allow_subnormal=False), st.integers()),
                          lambda inner: (st.lists(inner, max_size=30)
                                         | st.dictionaries(st.text(max_size=5), inner, max_size=10)),
                          max_leaves=2000))
def test_brief_is_short_whatever_the_value(value):
    assert len(brief(value)) <= 60


@FEW
@given(message=st.text(min_size=0, max_size=5000))
def test_cli_errors_are_one_bounded_line(message):
    line = one_line(message)
    assert "\n" not in line and "\r" not in line and len(line) <= MAX_MESSAGE


def test_a_laughs_config_from_the_command_line(tmp_path, capsys):
    p = tmp_path / "laughs.yaml"
    p.write_text(laughs(7, 9))
    assert main(["loopback", "--config", str(p), "--frames", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 400 and "aliases" in err


# ---- class 5: outputs the writer cannot handle ---------------------------------------------------
@FEW
@given(stem=st.text("abcxyz_-", min_size=1, max_size=8),
       suffix=st.sampled_from([".mp4", ".MKV", ".mov", ".qqq", ".png", "", ".mp4.", ".avi"]))
def test_video_outputs_need_a_known_ending(tmp_path, stem, suffix):
    path = tmp_path / f"{stem}{suffix}"
    if path.suffix.lower() in VIDEO_OUT:
        check_output_path(path, VIDEO_OUT)
    else:
        with pytest.raises(ProjectError, match="must end in"):
            check_output_path(path, VIDEO_OUT)


def test_outputs_that_are_folders_or_unwritable_are_refused(tmp_path):
    with pytest.raises(ProjectError, match="is a folder"):
        check_output_path(tmp_path, VIDEO_OUT)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ProjectError, match="not a writable folder"):
        check_output_path(blocker / "sub" / "x.mp4", VIDEO_OUT)
    check_output_path(tmp_path / "new" / "deeper" / "x.mp4", VIDEO_OUT)  # made when written


@pytest.mark.parametrize("flags", [["--out", "{d}"], ["--out", "{d}/x.qqq"], ["--json", "{d}"],
                                   ["--screenshot", "{d}/x.jpg"], ["--frames", "abc"],
                                   ["--require-frames", "-1"]])
def test_bad_output_and_count_flags_fail_at_parse_time_on_one_line(tmp_path, capsys, flags):
    argv = ["loopback", "--model", "small"] + [f.format(d=tmp_path) for f in flags]
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and ": error: " in err and "usage:" not in err


def test_require_frames_fails_a_replay_of_silence(tmp_path, capsys):
    from radio.devices import SigMFDevice

    with SigMFDevice(tmp_path / "quiet", mode="record") as rec:
        rec.tx(np.zeros(50_000, np.complex64))
    meta = str(tmp_path / "quiet.sigmf-meta")
    assert main(["replay", meta, "--model", "small"]) == 0          # a warning only
    assert "no DVST frame" in capsys.readouterr().err
    assert main(["replay", meta, "--model", "small", "--require-frames", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "dvst: error: 0 frames decoded, 1 required"


def test_a_calibration_profile_for_another_sample_rate_is_reported(caplog):
    from calibration.board_profile import CalibrationProfile, apply_profile
    from radio.profile import load_profile

    profile = load_profile("default")
    cal = CalibrationProfile(board="loopback", peer="loopback", center_freq=profile.center_freq,
                             sample_rate=2 * profile.sample_rate)
    with caplog.at_level("WARNING"):
        apply_profile(profile, cal)
    assert "measured at" in caplog.text


def test_demo_frames_do_not_depend_on_the_clip_length():
    """A transmitter with --frames 24 and a receiver's --reference demo with --frames 20 see
    the same pictures."""
    from dvst.io.demo import demo_frames

    long = demo_frames(60, (64, 48))
    for n in (1, 7, 20, 31, 45):
        np.testing.assert_array_equal(demo_frames(n, (64, 48)), long[:n])
