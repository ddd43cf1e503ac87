"""What every routine does with the radios: set gains, transmit a test signal, capture, measure.

A :class:`Link` is a transmitting and a receiving :class:`radio.devices.Device` — two boards,
or one board whose TX is cabled to its RX (the same object twice). Routines use only the
``Device`` interface (pyadi-iio's names), so a PlutoSDR, ``FakePluto`` and the loopback
simulator run the same code. Test signals go out as cyclic buffers (``tx(cyclic=True)``), the
way one calibrates a Pluto: the signal repeats while the receiver takes what it needs.

Levels are in dBFS of the complex sample power: 0 dBFS is |x|² = 1 (a full-scale complex
tone); a sample is *clipped* when its I or Q sits on the ADC's rails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.errors import CalibrationError
from radio.channel.adc import RX_FULL_SCALE
from radio.header import BurstHeader
from radio.profile import RadioProfile
from radio.transmitter import Transmitter

# |I| or |Q| at or beyond this (full-scale units) is on the 12-bit ADC's rails (+2047 / -2048 counts)
RAIL = (RX_FULL_SCALE - 1.5) / RX_FULL_SCALE
CAPTURE_BUFFER = 32768          # rx_buffer_size while calibrating, samples
# Buffers thrown away after a setting changes: libiio keeps 4 kernel buffers in flight on a
# Pluto, so what they hold was taken with the old setting; the simulator answers at once.
SETTLE_BUFFERS = {"pluto": 4}


def dbfs(power: float) -> float:
    """10·log10 of a mean power in full-scale units², floored at -200 dBFS."""
    return float(10 * np.log10(max(float(power), 1e-20)))


def clip_fraction(x: np.ndarray) -> float:
    """Share of the samples whose I or Q sits on the ADC rails."""
    x = np.asarray(x)
    if not x.size:
        return 0.0
    return float(np.mean((np.abs(x.real) >= RAIL) | (np.abs(x.imag) >= RAIL)))


def board_id(device) -> str:
    """A board's identity for its calibration profile: the Pluto's serial number (libiio
    context attribute ``hw_serial``), else its URI, else the device kind."""
    sdr = getattr(device, "sdr", None)
    try:
        serial = sdr.ctx.attrs["hw_serial"]
        if serial:
            return str(serial)
    except Exception:   # FakePluto, the simulator, or an older firmware: no context attribute
        pass
    return str(getattr(device, "uri", None) or getattr(device, "kind", "device"))


def is_pluto(device) -> bool:
    return getattr(device, "kind", "") == "pluto"


@dataclass
class Link:
    """tx: the device that transmits test signals; rx: the device that receives (may be tx)."""

    tx: object
    rx: object
    settle_buffers: int | None = None

    def __post_init__(self) -> None:
        if self.settle_buffers is None:
            self.settle_buffers = SETTLE_BUFFERS.get(getattr(self.rx, "kind", ""), 1)

    @property
    def cable(self) -> bool:
        return self.tx is self.rx

    def prepare(self, profile: RadioProfile, buffer: int = CAPTURE_BUFFER) -> None:
        """Configure both boards from the profile, manual gain, the capture buffer size."""
        for dev in {id(self.tx): self.tx, id(self.rx): self.rx}.values():
            dev.configure(profile, gain_control_mode_chan0="manual", rx_buffer_size=int(buffer))

    def set_gains(self, tx_gain_db: float | None = None, rx_gain_db: float | None = None) -> None:
        """tx_hardwaregain_chan0 on the transmitter, rx_hardwaregain_chan0 on the receiver
        (None: unchanged), then flush the buffers taken before the change."""
        if tx_gain_db is not None:
            self.tx.tx_hardwaregain_chan0 = float(tx_gain_db)
        if rx_gain_db is not None:
            self.rx.rx_hardwaregain_chan0 = float(rx_gain_db)
        self.flush()

    def flush(self) -> None:
        for _ in range(self.settle_buffers):
            self.rx.rx()

    def transmit(self, waveform: np.ndarray) -> None:
        """Repeat ``waveform`` (complex64, full-scale units) until :meth:`quiet`."""
        self.tx.tx(waveform, cyclic=True)
        self.flush()

    def quiet(self) -> None:
        """Stop the transmitter (the receiver then hears its own noise floor)."""
        if self.tx.tx_cyclic_buffer:
            self.tx.tx_destroy_buffer()
        self.flush()

    def capture(self, n: int) -> np.ndarray:
        """complex64 [n] consecutive received samples, full-scale units."""
        parts, got = [], 0
        while got < n:
            buf = np.asarray(self.rx.rx(), np.complex64)
            if not buf.size:
                raise CalibrationError("the receiver returned an empty buffer")
            parts.append(buf)
            got += buf.size
        return np.concatenate(parts)[:n]


def tone(profile: RadioProfile, freq_hz: float, length: int) -> tuple[np.ndarray, float]:
    """A complex tone at the profile's burst RMS level that repeats seamlessly every ``length``
    samples (its frequency rounded to a whole number of cycles per buffer).

    Returns (complex64 [length], the exact frequency in Hz)."""
    fs = profile.sample_rate
    cycles = int(round(freq_hz * length / fs))
    f = cycles * fs / length
    amp = 10 ** (profile.tx_rms_dbfs / 20)
    n = np.arange(length)
    return (amp * np.exp(2j * np.pi * cycles * n / length)).astype(np.complex64), float(f)


def burst_train(profile: RadioProfile, n_bursts: int = 4, payload_len: int = 1500,
                gap: int = 400, seed: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    """The radio's own bursts (random unit-power analog payloads, frame_index 0..n-1), each
    followed by ``gap`` zeros: (complex64 waveform, payloads complex64 [payload_len] each)."""
    rng = np.random.default_rng(seed)
    tx = Transmitter(profile)
    parts, payloads = [], []
    for i in range(n_bursts):
        x = ((rng.normal(size=payload_len) + 1j * rng.normal(size=payload_len)) / np.sqrt(2)).astype(np.complex64)
        payloads.append(x)
        parts.append(tx.modulate(BurstHeader(stream_id=0xCA1, frame_index=i), x))
        parts.append(np.zeros(gap, np.complex64))
    return np.concatenate(parts), payloads
