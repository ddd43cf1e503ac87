"""``FakePluto``: an object with ``adi.Pluto``'s attributes and rules, with a simulated link behind it.

It lets :class:`radio.devices.pluto.PlutoDevice` be exercised in tests exactly as on hardware.
The rules it enforces are pyadi-iio's (read from pyadi-iio 0.0.x ``adi/rx_tx.py``,
``adi/ad936x.py``, ``adi/attribute.py``) and the AD9361 driver's:

* LOs and RF bandwidths must be Python ``int`` ("Value must be an int"), gains ``float``/``int``;
  ``sample_rate`` below 521 kS/s is a ValueError; values the driver rejects are OSError(EINVAL).
* ``rx_hardwaregain_chan0`` is silently ignored unless ``gain_control_mode_chan0 == "manual"``.
* ``tx()`` converts with ``astype(int16)`` and does **not** clip: values beyond int16 wrap.
* After a cyclic ``tx()``, another ``tx()`` raises until ``tx_destroy_buffer()``;
  ``tx_cyclic_buffer`` cannot change while a TX buffer exists; a streaming TX buffer keeps the
  length of its first push ("Cannot change buffer length on the fly").
* The RX buffer is created on the first ``rx()`` with the ``rx_buffer_size`` of that moment;
  a later change only takes effect after ``rx_destroy_buffer()``.
* ``rx()`` returns complex128 ADC counts (12-bit, +-2^11) for one enabled channel.

Behind it: the TX int16 codes go through the AD9361's 12-bit DAC (top bits), then an
:class:`~radio.devices.loopback_pair.Air` (its own DAC model off) to the 12-bit ADC. One fake wires
its TX to its own RX (a cable); :func:`fake_pluto_pair` gives two boards over the air.
"""

from __future__ import annotations

import errno

import numpy as np

from radio.channel import ChannelConfig, load_channel_config
from radio.channel.adc import RX_FULL_SCALE
from radio.channel.dac import dac_output, int16_wrap
from radio.devices.loopback_pair import Air

_GAIN_MODES = ("manual", "slow_attack", "fast_attack", "hybrid")


def _einval(what: str) -> OSError:
    return OSError(errno.EINVAL, f"Invalid argument: {what}")


def _fake_config(config: ChannelConfig | str) -> ChannelConfig:
    cfg = config if isinstance(config, ChannelConfig) else load_channel_config(config)
    return cfg.replace(dac_bits=0, adc_bits=12)   # the fake does its own DAC; counts need the ADC


class FakePluto:
    """Stands in for ``adi.Pluto(uri)``; ``air_out``/``air_in`` default to a cable to itself."""

    def __init__(self, uri: str = "ip:fake-pluto", channel: ChannelConfig | str = "awgn",
                 seed: int = 0, air_out: Air | None = None, air_in: Air | None = None):
        self.uri = uri
        if air_out is None and air_in is None:
            air_out = air_in = Air(_fake_config(channel), seed)
        self._air_out, self._air_in = air_out, air_in
        ref = (air_out or air_in).config
        self._attrs = {"sample_rate": int(ref.sample_rate), "rx_lo": int(ref.center_freq),
                       "tx_lo": int(ref.center_freq), "rx_rf_bandwidth": 18_000_000,
                       "tx_rf_bandwidth": 18_000_000, "gain_control_mode_chan0": "slow_attack",
                       "rx_hardwaregain_chan0": float(ref.rx_gain_ref_db),
                       "tx_hardwaregain_chan0": float(ref.tx_gain_ref_db)}
        if air_out is not None:
            air_out.tx_settings = self._attrs
        if air_in is not None:
            air_in.rx_settings = self._attrs
        self._rx_buffer_size = 1024          # pyadi-iio's default
        self._tx_cyclic_buffer = False
        self._txbuf = None                   # length of the live TX buffer, None when destroyed
        self._rxbuf = None                   # length of the live RX buffer
        self.tx_enabled_channels = [0]
        self.rx_enabled_channels = [0]
        self.calls: list[str] = []           # the API calls made, for tests
        self.last_tx_codes: tuple[np.ndarray, np.ndarray] | None = None   # int16 I, Q of the last tx

    # ---- attributes -------------------------------------------------------------------------
    @property
    def sample_rate(self) -> int:
        return self._attrs["sample_rate"]

    @sample_rate.setter
    def sample_rate(self, rate) -> None:
        if rate < 521e3:
            raise ValueError("Error: Does not currently support sample rates below 521e3")
        if rate > 61.44e6 or float(rate) != int(rate):
            raise _einval(f"sampling_frequency {rate}")
        self._attrs["sample_rate"] = int(rate)

    def _int_attr(self, key: str, value, lo: float, hi: float) -> None:
        if not isinstance(value, int):
            raise Exception("Value must be an int")
        if not lo <= value <= hi:
            raise _einval(f"{key} {value}")
        self._attrs[key] = value

    rx_lo = property(lambda s: s._attrs["rx_lo"], lambda s, v: s._int_attr("rx_lo", v, 70e6, 6e9))
    tx_lo = property(lambda s: s._attrs["tx_lo"], lambda s, v: s._int_attr("tx_lo", v, 70e6, 6e9))
    rx_rf_bandwidth = property(lambda s: s._attrs["rx_rf_bandwidth"],
                               lambda s, v: s._int_attr("rx_rf_bandwidth", v, 200e3, 56e6))
    tx_rf_bandwidth = property(lambda s: s._attrs["tx_rf_bandwidth"],
                               lambda s, v: s._int_attr("tx_rf_bandwidth", v, 200e3, 56e6))

    @property
    def gain_control_mode_chan0(self) -> str:
        return self._attrs["gain_control_mode_chan0"]

    @gain_control_mode_chan0.setter
    def gain_control_mode_chan0(self, value) -> None:
        if value not in _GAIN_MODES:
            raise _einval(f"gain_control_mode {value!r}")
        self._attrs["gain_control_mode_chan0"] = value

    @staticmethod
    def _float(value) -> float:
        if isinstance(value, int):
            value = float(value)
        if not isinstance(value, float):
            raise Exception("Value must be a float")
        return value

    @property
    def rx_hardwaregain_chan0(self) -> float:
        return self._attrs["rx_hardwaregain_chan0"]

    @rx_hardwaregain_chan0.setter
    def rx_hardwaregain_chan0(self, value) -> None:
        if self.gain_control_mode_chan0 == "manual":   # otherwise ignored, as in pyadi-iio
            value = self._float(value)
            if not -3.0 <= value <= 71.0:
                raise _einval(f"hardwaregain {value}")
            self._attrs["rx_hardwaregain_chan0"] = value

    @property
    def tx_hardwaregain_chan0(self) -> float:
        return self._attrs["tx_hardwaregain_chan0"]

    @tx_hardwaregain_chan0.setter
    def tx_hardwaregain_chan0(self, value) -> None:
        value = self._float(value)
        if not -89.75 <= value <= 0.0:
            raise _einval(f"hardwaregain {value}")
        self._attrs["tx_hardwaregain_chan0"] = round(value * 4) / 4

    @property
    def rx_buffer_size(self) -> int:
        return self._rx_buffer_size

    @rx_buffer_size.setter
    def rx_buffer_size(self, value) -> None:
        self._rx_buffer_size = value           # takes effect when the RX buffer is (re)created

    @property
    def tx_cyclic_buffer(self) -> bool:
        return self._tx_cyclic_buffer

    @tx_cyclic_buffer.setter
    def tx_cyclic_buffer(self, value) -> None:
        if self._txbuf:
            raise Exception("TX buffer already created, buffer must be "
                            "destroyed then recreated to modify tx_cyclic_buffer")
        self._tx_cyclic_buffer = value

    # ---- streaming ----------------------------------------------------------------------------
    def tx(self, data_np=None) -> None:
        self.calls.append("tx")
        if self._txbuf and self.tx_cyclic_buffer:
            raise Exception("TX buffer has been submitted in cyclic mode. "
                            "To push more data the tx buffer must be destroyed first.")
        data = np.asarray(data_np)
        i = int16_wrap(np.real(data))          # astype(int16): truncates, wraps, never clips
        q = int16_wrap(np.imag(data))
        if not self._txbuf:
            self._txbuf = len(i)
        if len(i) != self._txbuf:
            raise Exception("Buffer length different than data length. "
                            "Cannot change buffer length on the fly")
        self.last_tx_codes = (i, q)
        if self._air_out is not None:
            self._air_out.push(dac_output(i, q).astype(np.complex64), bool(self.tx_cyclic_buffer))

    def tx_destroy_buffer(self) -> None:
        self.calls.append("tx_destroy_buffer")
        self._txbuf = None
        if self._air_out is not None:
            self._air_out.stop()

    def rx(self) -> np.ndarray:
        self.calls.append("rx")
        if not self._rxbuf:
            self._rxbuf = int(self._rx_buffer_size)
        if self._air_in is None:
            return np.zeros(self._rxbuf, dtype=np.complex128)
        y = self._air_in.pull(self._rxbuf)      # the ADC model leaves whole counts / 2^11
        i = np.rint(y.real.astype(np.float64) * RX_FULL_SCALE).astype(np.int16)
        q = np.rint(y.imag.astype(np.float64) * RX_FULL_SCALE).astype(np.int16)
        return i + 1j * q

    def rx_destroy_buffer(self) -> None:
        self.calls.append("rx_destroy_buffer")
        self._rxbuf = None


def fake_pluto_pair(channel: ChannelConfig | str = "awgn", seed: int = 0) -> tuple[FakePluto, FakePluto]:
    """Two fake boards over the air: A's TX reaches B's RX and B's TX reaches A's RX."""
    cfg = _fake_config(channel)
    s_ab, s_ba = np.random.SeedSequence(int(seed)).spawn(2)
    ab = Air(cfg, int(s_ab.generate_state(1)[0]))
    ba = Air(cfg, int(s_ba.generate_state(1)[0]))
    return (FakePluto("ip:fake-pluto-a", air_out=ab, air_in=ba),
            FakePluto("ip:fake-pluto-b", air_out=ba, air_in=ab))

