"""``LoopbackChannel``: everything two Plutos do to a signal, composed, seeded and streaming.

Order of the stages (transmitter to receiver)::

    start offset -> DAC (guard clip | int16 wrap, 12 bit) -> TX gain -> multipath / fading
    -> sample-clock offset -> carrier offset + LO offset -> phase noise -> AWGN
    -> IQ imbalance -> DC offset -> RX gain + 12-bit ADC (saturation) -> overflow drops

Every random stage draws from its own child of ``numpy.random.SeedSequence(seed)``, so the
same seed gives bit-identical output, and feeding the same stream in different buffer sizes
gives the same samples to float rounding (~1e-7; dropped-sample positions, fading blocks and
resampling instants are tied to the absolute sample index). Only the resampler's look-ahead
(its last 16 input samples wait for the next call) makes the split visible, at the very end.
"""

from __future__ import annotations

import numpy as np

from radio.channel.adc import PlutoADC
from radio.channel.awgn import AWGN, noise_variance
from radio.channel.cfo import FrequencyOffset
from radio.channel.dac import PlutoDAC
from radio.channel.dc_offset import DCOffset
from radio.channel.iq_imbalance import IQImbalance
from radio.channel.multipath import TDL_PROFILES, TappedDelayLine
from radio.channel.phase_noise import WienerPhaseNoise
from radio.channel.scenario import ChannelConfig
from radio.channel.sfo import SampleClockOffset
from radio.channel.timing import Overflow, StartOffset
from radio.errors import RadioError


class LoopbackChannel:
    """Stateful simulated link. ``apply(samples complex64 [N]) -> complex64 [M]``.

    M differs from N by the start offset (first call), the sample-clock offset and dropped
    samples. Runtime knobs (the devices set them from the Pluto's gains and LOs):
    ``tx_gain_db`` (signal only, relative to ``config.tx_gain_ref_db``), ``rx_gain_db``
    (signal and noise, relative to ``config.rx_gain_ref_db``) and ``lo_offset_hz``
    (transmitter LO minus receiver LO, added to the carrier offset).
    """

    def __init__(self, config: ChannelConfig | str = "awgn", seed: int = 0):
        if not isinstance(config, ChannelConfig):
            from radio.channel.scenario import load_channel_config
            config = load_channel_config(config)
        self.config = c = config
        self.seed = int(seed)
        rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(6)]
        self.start = StartOffset(c.start_offset_max, rngs[0])
        self.dac = PlutoDAC(c.dac_bits, c.dac_guard) if c.dac_bits else None
        self.multipath = None
        if c.multipath is not None or c.fading == "block_rayleigh":
            name = c.multipath or "flat"
            delays, powers = ((c.tdl_delays_ns, c.tdl_powers_db) if name == "custom"
                              else TDL_PROFILES[name])
            self.multipath = TappedDelayLine(
                delays, powers, c.sample_rate, rngs[1], fading=c.fading,
                block_len=max(1, int(round(c.fading_block_s * c.sample_rate))),
                interpolation=c.tap_interpolation, band=c.occupied_fraction)
        self.sfo = SampleClockOffset(c.effective_sfo_ppm)
        phase0 = (2 * np.pi * rngs[5].random() if c.carrier_phase_deg is None
                  else np.deg2rad(c.carrier_phase_deg))
        self.cfo = FrequencyOffset(c.effective_cfo_hz, c.sample_rate, phase0=phase0)
        self.phase_noise = WienerPhaseNoise(c.phase_noise_linewidth_hz, c.sample_rate, rngs[2])
        self.noise_var = (0.0 if c.snr_db is None
                          else noise_variance(c.snr_db, c.reference_power, c.occupied_fraction))
        self.awgn = AWGN(self.noise_var, rngs[3])
        self.iq = IQImbalance(c.iq_gain_db, c.iq_phase_deg)
        self.dc = DCOffset(complex(c.dc_offset[0], c.dc_offset[1]))
        self.adc = PlutoADC(c.adc_bits, c.rx_gain_db)
        self.overflow = Overflow(c.overflow_rate_hz / c.sample_rate, c.overflow_len, rngs[4])
        self._tx_gain_db = 0.0
        self._rx_gain_db = 0.0
        self._lo_offset_hz = 0.0
        self.samples_in = 0
        self.samples_out = 0

    # ---- runtime knobs -------------------------------------------------------------------
    @property
    def tx_gain_db(self) -> float:
        """Extra transmit gain (dB, signal only) relative to the scenario's reference."""
        return self._tx_gain_db

    @tx_gain_db.setter
    def tx_gain_db(self, value: float) -> None:
        self._tx_gain_db = float(value)

    @property
    def rx_gain_db(self) -> float:
        """Extra receive gain (dB, signal and noise) relative to the scenario's reference."""
        return self._rx_gain_db

    @rx_gain_db.setter
    def rx_gain_db(self, value: float) -> None:
        self._rx_gain_db = float(value)
        self.adc.gain_db = self.config.rx_gain_db + self._rx_gain_db

    @property
    def lo_offset_hz(self) -> float:
        """Transmitter LO minus receiver LO, Hz (adds to the scenario's carrier offset)."""
        return self._lo_offset_hz

    @lo_offset_hz.setter
    def lo_offset_hz(self, value: float) -> None:
        self._lo_offset_hz = float(value)
        self.cfo.offset_hz = self.config.effective_cfo_hz + self._lo_offset_hz

    # ---- the link --------------------------------------------------------------------------
    def apply(self, samples: np.ndarray) -> np.ndarray:
        """samples: complex [N] full-scale units at the DAC -> complex64 [M] full-scale units at the ADC."""
        x = np.asarray(samples)
        if x.ndim != 1:
            raise RadioError(f"channel input must be a 1-D sample array, got shape {x.shape}")
        if not (np.iscomplexobj(x) or np.issubdtype(x.dtype, np.number)):
            raise RadioError(f"channel input must be numeric samples, got {x.dtype}")
        self.samples_in += len(x)
        x = self.start.apply(x.astype(np.complex128, copy=False))
        if self.dac is not None:
            x = self.dac.apply(x)
        if self._tx_gain_db:
            x = x * 10.0 ** (self._tx_gain_db / 20.0)
        if self.multipath is not None:
            x = self.multipath.apply(x)
        x = self.sfo.apply(x)
        x = self.cfo.apply(x)
        x = self.phase_noise.apply(x)
        x = self.awgn.apply(x)
        x = self.iq.apply(x)
        x = self.dc.apply(x)
        x = self.adc.apply(x)
        x = self.overflow.apply(x)
        self.samples_out += len(x)
        return x.astype(np.complex64)
