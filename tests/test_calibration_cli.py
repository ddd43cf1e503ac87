"""``dvst calibrate`` from the command line (in-process, on the simulated boards)."""

from __future__ import annotations

import json

import pytest

from calibration import load_calibration
from dvst.cli import main


def test_calibrate_all_on_loopback_then_show(tmp_path, capsys):
    out, js = tmp_path / "board.yaml", tmp_path / "board.json"
    assert main(["calibrate", "all", "--device", "loopback", "--seed", "2", "--out", str(out),
                 "--json", str(js)]) == 0
    cal = load_calibration(out)
    assert cal.device == "loopback" and None not in (cal.noise_floor, cal.cfo, cal.iq, cal.gain)
    assert abs(cal.cfo.ppm - 12.0) <= 1.0                       # two-plutos-bench: 12 ppm
    assert json.loads(js.read_text())["gain"]["tx_gain_db"] == cal.gain.tx_gain_db
    capsys.readouterr()
    assert main(["calibrate", "show", str(out)]) == 0
    shown = capsys.readouterr().out
    for row in ("carrier offset", "IQ imbalance", "DC offset", "operating point", "ADC saturates"):
        assert row in shown


def test_single_routines_update_one_profile(tmp_path):
    out = tmp_path / "fake.yaml"
    assert main(["calibrate", "iq", "--device", "fake-pluto", "--channel", "awgn", "--out", str(out)]) == 0
    first = load_calibration(out)
    assert first.iq is not None and first.cfo is None
    assert main(["calibrate", "cfo", "--device", "fake-pluto", "--channel", "awgn", "--out", str(out)]) == 0
    both = load_calibration(out)
    assert both.iq == first.iq and both.cfo is not None and both.board == "ip:fake-pluto-b"


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dvst: error:") and "\n" not in err
    return err


def test_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("board: x\ncfo: {ppm: [1, 2]}\n")
    assert "bad.yaml" in _one_line_error(capsys, ["calibrate", "show", str(bad)])
    _one_line_error(capsys, ["calibrate", "show", str(tmp_path / "missing.yaml")])
    # a profile of another board is not overwritten by a single routine
    other = tmp_path / "other.yaml"
    other.write_text("board: '1044730a1234'\ndevice: pluto\n")
    assert "belongs to board" in _one_line_error(
        capsys, ["calibrate", "iq", "--device", "loopback", "--channel", "awgn", "--out", str(other)])
    # no radio at that address: a one-line error, quickly
    _one_line_error(capsys, ["calibrate", "all", "--device", "pluto", "--uri", "ip:127.0.0.1",
                             "--out", str(tmp_path / "p.yaml")])


def test_routine_is_required(capsys):
    with pytest.raises(SystemExit):
        main(["calibrate", "all"])            # --out is required


def test_link_applies_a_profile_and_typed_gains_win(tmp_path):
    """``--calibration`` on tx/rx: the calibrated operating point and receive corrections reach
    the radio profile, a gain the user typed overrides the calibrated one, and the board is
    checked against the profile when it is opened."""
    from dvst.link.devices import open_pluto
    from dvst.link.link_config import LinkConfig
    from dvst.link.phy import apply_calibration, load_radio_profile

    out = tmp_path / "fake.yaml"
    assert main(["calibrate", "all", "--device", "fake-pluto", "--channel", "awgn", "--out", str(out)]) == 0
    cal = load_calibration(out)
    plain = apply_calibration(LinkConfig(calibration=str(out)), load_radio_profile(LinkConfig()))
    assert plain.tx_gain_db == cal.gain.tx_gain_db and plain.rx_gain_db == cal.gain.rx_gain_db
    cfg = LinkConfig(calibration=str(out), tx_gain_db=-30.0)
    typed = apply_calibration(cfg, load_radio_profile(cfg))
    assert typed.tx_gain_db == -30.0 and typed.rx_gain_db == cal.gain.rx_gain_db
    assert typed.rx_correction == plain.rx_correction
    cfg = LinkConfig(calibration=str(out), device="fake-pluto")
    open_pluto(cfg, "ip:fake-pluto-b", typed).close()
