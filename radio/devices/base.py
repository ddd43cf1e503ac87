"""The one radio interface: ``configure``, ``tx``, ``rx``, ``close``, with pyadi-iio's names.

Samples at this boundary are complex64 in **full-scale units**: |I|, |Q| <= 1.0 is the DAC
and ADC range. ``tx`` clips I and Q to +-1.0 (and counts what it clipped) before any back-end
sees them, so no back-end can hit pyadi-iio's int16 wrap-around. ``rx`` returns complex64
[rx_buffer_size]. Settings are properties named like ``adi.Pluto``'s and are checked here,
once, for every back-end.
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from radio.channel.dac import clip_full_scale
from radio.errors import RadioError
from radio.profile import (
    PLUTO_MAX_LO,
    PLUTO_MAX_RF_BW,
    PLUTO_MAX_SAMPLE_RATE,
    PLUTO_MIN_LO,
    PLUTO_MIN_RF_BW,
    PLUTO_MIN_SAMPLE_RATE,
)

GAIN_CONTROL_MODES = ("manual", "slow_attack", "fast_attack", "hybrid")
RX_GAIN_RANGE = (-3.0, 71.0)        # dB, AD9361 manual gain at 1.3 .. 4 GHz
TX_GAIN_RANGE = (-89.75, 0.0)       # dB, TX attenuation in 0.25 dB steps
RX_BUFFER_RANGE = (64, 1 << 24)     # samples


def _check_range(name: str, value: Any, lo: float, hi: float, unit: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RadioError(f"{name} must be a number, got {value!r}") from None
    if not lo <= v <= hi:
        raise RadioError(f"{name} {v:g} {unit} is outside the Pluto's range {lo:g} .. {hi:g} {unit}")
    return v


def validate_setting(name: str, value: Any) -> Any:
    """The checked, normalised value of one setting (pyadi-iio types: ints for Hz and samples)."""
    if name == "sample_rate":
        return int(_check_range(name, value, PLUTO_MIN_SAMPLE_RATE, PLUTO_MAX_SAMPLE_RATE, "S/s"))
    if name in ("rx_lo", "tx_lo"):
        return int(_check_range(name, value, PLUTO_MIN_LO, PLUTO_MAX_LO, "Hz"))
    if name in ("rx_rf_bandwidth", "tx_rf_bandwidth"):
        return int(_check_range(name, value, PLUTO_MIN_RF_BW, PLUTO_MAX_RF_BW, "Hz"))
    if name == "gain_control_mode_chan0":
        if value not in GAIN_CONTROL_MODES:
            raise RadioError(f"gain_control_mode_chan0 must be one of {', '.join(GAIN_CONTROL_MODES)}, "
                            f"got {value!r}")
        return value
    if name == "rx_hardwaregain_chan0":
        return _check_range(name, value, *RX_GAIN_RANGE, "dB")
    if name == "tx_hardwaregain_chan0":
        return round(_check_range(name, value, *TX_GAIN_RANGE, "dB") * 4) / 4   # 0.25 dB steps
    if name == "rx_buffer_size":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise RadioError(f"rx_buffer_size must be an integer number of samples, got {value!r}")
        return int(_check_range(name, value, *RX_BUFFER_RANGE, "samples"))
    raise RadioError(f"unknown device setting {name!r}; known: {', '.join(SETTINGS)}")


SETTINGS = ("sample_rate", "rx_lo", "tx_lo", "rx_rf_bandwidth", "tx_rf_bandwidth",
            "gain_control_mode_chan0", "rx_hardwaregain_chan0", "tx_hardwaregain_chan0",
            "rx_buffer_size")

DEFAULTS = {"sample_rate": 2_000_000, "rx_lo": 2_400_000_000, "tx_lo": 2_400_000_000,
            "rx_rf_bandwidth": 1_800_000, "tx_rf_bandwidth": 1_800_000,
            "gain_control_mode_chan0": "manual", "rx_hardwaregain_chan0": 40.0,
            "tx_hardwaregain_chan0": -10.0, "rx_buffer_size": 65536}


def check_samples(samples: Any) -> np.ndarray:
    """complex [N] -> complex64 [N]; anything else (wrong shape, empty, NaN) is a RadioError."""
    try:
        x = np.asarray(samples)
    except Exception:
        raise RadioError("tx samples must be a 1-D array of complex numbers") from None
    if x.ndim != 1 or x.size == 0:
        raise RadioError(f"tx samples must be a non-empty 1-D array, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise RadioError(f"tx samples must be numbers, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise RadioError("tx samples contain NaN or infinity")
    return x.astype(np.complex64, copy=False)


def _radio_setting(name: str, doc: str) -> property:
    """A radio setting named as on pyadi-iio's ``adi.Pluto``, read and written through the
    device's ``_get``/``_setting`` (which validate it and apply it to the hardware)."""
    return property(lambda self: self._get(name), lambda self, v: self._setting(name, v), doc=doc)


class Device(abc.ABC):
    """A radio: settings as properties, ``tx(samples, cyclic=False)``, ``rx()``, ``close()``.

    Subclasses implement ``_get``, ``_set``, ``_tx``, ``_tx_destroy``, ``_rx`` and ``_close``.
    """

    kind = "device"

    def __init__(self) -> None:
        self.tx_clipped = 0        # samples clipped to full scale by tx() so far
        self._closed = False
        self._cyclic = False

    # ---- back-end hooks ---------------------------------------------------------------------
    @abc.abstractmethod
    def _get(self, name: str) -> Any: ...

    @abc.abstractmethod
    def _set(self, name: str, value: Any) -> None: ...

    @abc.abstractmethod
    def _tx(self, samples: np.ndarray, cyclic: bool) -> None:
        """samples: complex64 [N] with |I|, |Q| <= 1.0."""

    @abc.abstractmethod
    def _tx_destroy(self) -> None: ...

    @abc.abstractmethod
    def _rx(self) -> np.ndarray:
        """complex64 [rx_buffer_size], full-scale units."""

    def _close(self) -> None:  # noqa: B027 - optional: most back-ends hold nothing to release
        pass

    # ---- settings -----------------------------------------------------------------------------
    def _setting(self, name: str, value: Any) -> None:
        self._check_open()
        value = validate_setting(name, value)
        if name == "rx_hardwaregain_chan0" and self._get("gain_control_mode_chan0") != "manual":
            raise RadioError("rx_hardwaregain_chan0 only takes effect in manual gain mode; "
                            "set gain_control_mode_chan0 = 'manual' first")
        self._set(name, value)

    sample_rate = _radio_setting("sample_rate", "Sample rate of RX and TX, samples per second (int).")
    rx_lo = _radio_setting("rx_lo", "Receive LO frequency, Hz (int).")
    tx_lo = _radio_setting("tx_lo", "Transmit LO frequency, Hz (int).")
    rx_rf_bandwidth = _radio_setting("rx_rf_bandwidth", "Receive analog filter bandwidth, Hz (int).")
    tx_rf_bandwidth = _radio_setting("tx_rf_bandwidth", "Transmit analog filter bandwidth, Hz (int).")
    gain_control_mode_chan0 = _radio_setting("gain_control_mode_chan0",
                                             "'manual', 'slow_attack', 'fast_attack' or 'hybrid'.")
    rx_hardwaregain_chan0 = _radio_setting("rx_hardwaregain_chan0",
                                           "Receive gain, dB (settable in manual mode only).")
    tx_hardwaregain_chan0 = _radio_setting("tx_hardwaregain_chan0", "Transmit attenuation, dB in -89.75 .. 0.")
    rx_buffer_size = _radio_setting("rx_buffer_size", "Samples returned by each rx().")

    @property
    def tx_cyclic_buffer(self) -> bool:
        """True while a cyclic transmission repeats (until tx_destroy_buffer or the next tx)."""
        return self._cyclic

    def settings(self) -> dict[str, Any]:
        """All settings by their pyadi-iio names."""
        return {name: self._get(name) for name in SETTINGS}

    def configure(self, profile=None, center_freq: float | None = None, **settings: Any) -> Device:
        """Apply a ``RadioProfile`` (rate, both LOs, bandwidths, gain mode and gains, buffer size),
        then ``center_freq`` (both LOs) and individual settings by their pyadi-iio names.
        """
        values: dict[str, Any] = {}
        if profile is not None:
            values.update(sample_rate=profile.sample_rate, rx_lo=profile.center_freq,
                          tx_lo=profile.center_freq, rx_rf_bandwidth=profile.rf_bandwidth,
                          tx_rf_bandwidth=profile.rf_bandwidth,
                          gain_control_mode_chan0=profile.gain_control_mode,
                          tx_hardwaregain_chan0=profile.tx_gain_db,
                          rx_buffer_size=profile.rx_buffer_size)
            if profile.gain_control_mode == "manual":
                values["rx_hardwaregain_chan0"] = profile.rx_gain_db
        if center_freq is not None:
            values.update(rx_lo=center_freq, tx_lo=center_freq)
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise RadioError(f"unknown device setting {unknown[0]!r}; known: {', '.join(SETTINGS)}")
        values.update(settings)
        # the gain mode first: the manual gain is only accepted in manual mode
        for name in sorted(values, key=lambda n: n != "gain_control_mode_chan0"):
            self._setting(name, values[name])
        return self

    # ---- streaming ----------------------------------------------------------------------------
    def tx(self, samples: Any, cyclic: bool = False) -> None:
        """Send complex samples [N] (full-scale units; I and Q clipped to +-1.0).

        ``cyclic=True`` repeats them until ``tx_destroy_buffer()`` or the next ``tx``; a cyclic
        buffer in flight is destroyed first (pyadi-iio's rule), so calling tx again just works.
        """
        self._check_open()
        x = check_samples(samples)
        x, over = clip_full_scale(x)
        self.tx_clipped += over
        self._tx(x.astype(np.complex64), bool(cyclic))
        self._cyclic = bool(cyclic)

    def tx_destroy_buffer(self) -> None:
        """Stop a cyclic transmission (and release the transmit buffer)."""
        self._check_open()
        self._tx_destroy()
        self._cyclic = False

    def rx(self) -> np.ndarray:
        """complex64 [rx_buffer_size] of received samples, full-scale units."""
        self._check_open()
        return self._rx()

    # ---- lifetime -----------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise RadioError(f"the {self.kind} device is closed")

    def close(self) -> None:
        """Stop transmitting and release the radio; further calls raise RadioError."""
        if not self._closed:
            try:
                if self._cyclic:
                    self._tx_destroy()
            finally:
                self._closed = True
                self._close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
