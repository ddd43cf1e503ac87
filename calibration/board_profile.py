"""A board's calibration profile: what the routines measured, saved as YAML, and applied.

One profile per receiving board (``board``: the Pluto's serial number, else its URI); ``peer``
is the board that transmitted the test signals (the same board for a cable). Each routine fills
its own section; a section never run is ``null``. ``apply_profile`` turns a ``RadioProfile``
into a :class:`CalibratedProfile`: the recommended gains (manual gain control), and the
receive corrections :class:`radio.receiver.Receiver` applies (``rx_correction``:
DC, IQ imbalance, the carrier offset as the receiver's starting estimate).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from calibration.capture import board_id
from calibration.cfo import CarrierOffset, apply_xo_correction, read_xo_correction
from calibration.errors import CalibrationError
from calibration.gain_sweep import GainSweep
from calibration.iq import IQImbalance
from calibration.noise_floor import NoiseFloor
from foundation.yaml_config import from_mapping, load_yaml, to_mapping
from radio.profile import RadioProfile
from sync.correction import RxCorrection

VERSION = 1

log = logging.getLogger(__name__)


@dataclass
class CalibrationProfile:
    """Every field is a YAML key; the sections are the routines' results (None: not run)."""

    board: str = ""
    peer: str | None = None
    device: str = "pluto"
    radio: str = "default"
    center_freq: float = 2.4e9
    sample_rate: float = 2e6
    created: str = ""
    version: int = VERSION
    noise_floor: NoiseFloor | None = None
    gain: GainSweep | None = None
    cfo: CarrierOffset | None = None
    iq: IQImbalance | None = None

    def __post_init__(self) -> None:
        def bad(msg: str) -> None:
            raise CalibrationError(f"calibration profile: {msg}")

        if not self.board:
            bad("'board' (the Pluto's serial number or URI) is missing")
        if self.version != VERSION:
            bad(f"version {self.version} is not supported (this dvst reads version {VERSION})")
        for name in ("center_freq", "sample_rate"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                bad(f"{name} must be a positive number of Hz, got {v}")
        if self.gain is not None:
            for name, (lo, hi) in (("tx_gain_db", (-89.75, 0.0)), ("rx_gain_db", (-3.0, 71.0))):
                v = getattr(self.gain, name)
                if v is not None and not lo <= v <= hi:
                    bad(f"gain.{name} {v} is outside the Pluto's range {lo} .. {hi} dB")
        if self.iq is not None:
            if len(self.iq.dc_offset) != 2 or not all(math.isfinite(v) and abs(v) < 1 for v in self.iq.dc_offset):
                bad(f"iq.dc_offset must be [I, Q] within full scale, got {self.iq.dc_offset}")
            if not (abs(self.iq.gain_db) <= 6 and abs(self.iq.phase_deg) <= 30):
                bad(f"iq imbalance {self.iq.gain_db} dB / {self.iq.phase_deg} deg is not a plausible receiver")
        if self.cfo is not None and not (math.isfinite(self.cfo.ppm) and abs(self.cfo.ppm) <= 200):
            bad(f"cfo.ppm must be within +-200 ppm, got {self.cfo.ppm}")

    def rx_correction(self, center_freq: float | None = None) -> RxCorrection:
        """The receive corrections, the carrier offset scaled to ``center_freq`` (crystal ppm)."""
        fc = self.center_freq if center_freq is None else float(center_freq)
        dc = self.iq.dc if self.iq is not None else 0j
        return RxCorrection(dc_offset=dc,
                            iq_gain_db=self.iq.gain_db if self.iq is not None else 0.0,
                            iq_phase_deg=self.iq.phase_deg if self.iq is not None else 0.0,
                            cfo_hz=self.cfo.ppm * 1e-6 * fc if self.cfo is not None else 0.0)


@dataclass
class CalibratedProfile(RadioProfile):
    """A RadioProfile with one board's receive corrections (read by radio.receiver.Receiver)."""

    rx_correction: RxCorrection = field(default_factory=RxCorrection)
    calibration_board: str = ""


def _tidy(obj):
    """Floats to 7 significant digits (far below every measurement's uncertainty), for a
    readable file."""
    if isinstance(obj, dict):
        return {k: _tidy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_tidy(v) for v in obj]
    if isinstance(obj, float) and math.isfinite(obj):
        return float(f"{obj:.7g}")
    return obj


def save_calibration(cal: CalibrationProfile, path: str | os.PathLike) -> Path:
    """Write ``cal`` as YAML (atomically, floats to 7 significant digits); returns the path."""
    p = Path(path)
    text = (f"# dvst calibration profile of board {cal.board} (see docs/calibration.md)\n"
            + yaml.safe_dump(_tidy(to_mapping(cal)), sort_keys=False, default_flow_style=None, width=100))
    try:
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
    except OSError as e:
        raise CalibrationError(f"cannot write calibration profile {p}: {e}") from None
    return p


def load_calibration(path: str | os.PathLike) -> CalibrationProfile:
    """Read a profile written by :func:`save_calibration` (yaml.safe_load); a missing,
    malformed or implausible file is a one-line CalibrationError naming it."""
    p = Path(path)
    if not p.is_file():
        raise CalibrationError(f"calibration profile not found: {p}")
    try:
        return from_mapping(CalibrationProfile, load_yaml(p), where=f"calibration profile {p.name}")
    except CalibrationError as e:
        msg = str(e)
        raise CalibrationError(msg if p.name in msg else f"{p.name}: {msg}") from None


def _as_calibration(cal: CalibrationProfile | str | os.PathLike) -> CalibrationProfile:
    return cal if isinstance(cal, CalibrationProfile) else load_calibration(cal)


def apply_profile(profile: RadioProfile, cal: CalibrationProfile | str | os.PathLike) -> CalibratedProfile:
    """``profile`` with a board's calibration (a CalibrationProfile or its YAML path) applied:
    the recommended ``tx_gain_db`` / ``rx_gain_db`` (gain mode manual) if the gain sweep ran,
    and ``rx_correction`` for the receiver. The carrier offset is kept in ppm, so a profile on
    another carrier still gets the right starting estimate."""
    c = _as_calibration(cal)
    if not math.isclose(c.sample_rate, profile.sample_rate, rel_tol=1e-6):
        # gains and the noise floor were measured in another bandwidth: usable, but not exact
        log.warning("the calibration profile was measured at %.6g S/s, the link runs at %.6g S/s",
                    c.sample_rate, profile.sample_rate)
    values = {f.name: getattr(profile, f.name) for f in dataclasses.fields(RadioProfile)}
    if c.gain is not None and c.gain.tx_gain_db is not None:
        values.update(tx_gain_db=c.gain.tx_gain_db, rx_gain_db=c.gain.rx_gain_db, gain_control_mode="manual")
    return CalibratedProfile(**values, rx_correction=c.rx_correction(profile.center_freq),
                             calibration_board=c.board)


def _is_uri(board: str) -> bool:
    return board.startswith(("ip:", "usb:")) or board in ("loopback", "device")


def configure_device(device, cal: CalibrationProfile | str | os.PathLike) -> None:
    """Check that an opened board is the one the profile belongs to (when both are known by
    serial number: the same board may be reached by ip: or usb:), then put it back into the
    state it was calibrated in: the ``xo_correction`` in effect during the CFO measurement
    (the Pluto forgets it at power-up), so the profile's carrier offset holds. No-op for boards
    without one (simulator, FakePluto)."""
    c = _as_calibration(cal)
    here = board_id(device)
    if not _is_uri(here) and not _is_uri(c.board) and here != c.board:
        raise CalibrationError(f"the calibration profile is for board {c.board}, but this board is {here}")
    if c.cfo is None or c.cfo.xo_measured is None or read_xo_correction(device) is None:
        return
    if read_xo_correction(device) != c.cfo.xo_measured:
        apply_xo_correction(device, c.cfo.xo_measured)
