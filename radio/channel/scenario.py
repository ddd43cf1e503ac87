"""Channel scenarios: ``ChannelConfig``, loaded from ``radio/channel/scenarios/NAME.yaml``.

Units: Hz, seconds, dB, ppm; signal levels in full-scale units (|I|, |Q| <= 1.0 is the
DAC/ADC range). The SNR is the project's in-band SNR (see :mod:`radio.channel.awgn`).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from typing import Any

from foundation.yaml_config import load_dataclass, shipped
from radio.channel.multipath import TDL_PROFILES
from radio.errors import RadioError


@dataclass
class ChannelConfig:
    """One simulated link between two Plutos; every field is a YAML key of ``radio/channel/scenarios/*.yaml``."""

    name: str = "custom"
    snr_db: float | None = 20.0         # in-band SNR at reference power and gains; None: no noise
    reference_power: float = 10 ** (-15 / 10)   # mean burst power at the DAC, full-scale units^2
    occupied_fraction: float = 0.75     # used subcarriers / FFT size of the profile
    sample_rate: float = 2e6            # Hz
    center_freq: float = 2.4e9          # Hz
    multipath: str | None = None        # TDL profile (flat, epa, eva, etu, indoor_a, indoor_b, custom) or None
    tdl_delays_ns: list[float] = field(default_factory=list)   # paths of multipath: custom
    tdl_powers_db: list[float] = field(default_factory=list)
    tap_interpolation: str = "nearest"  # "nearest" sample or band-limited "sinc" fractional delays
    fading: str = "static"              # "static" or "block_rayleigh" path gains
    fading_block_s: float = 1e-3        # coherence time of block fading, seconds
    clock_ppm: float = 0.0              # TX crystal relative to RX crystal: sets CFO and SFO together
    cfo_hz: float | None = None         # carrier offset; None: clock_ppm * 1e-6 * center_freq
    sfo_ppm: float | None = None        # sample-clock offset; None: clock_ppm
    carrier_phase_deg: float | None = 0.0   # carrier phase at the first sample; None: random (seeded)
    phase_noise_linewidth_hz: float = 0.0   # combined 3-dB linewidth of both oscillators
    iq_gain_db: float = 0.0             # RX Q-branch gain error
    iq_phase_deg: float = 0.0           # RX quadrature phase error
    dc_offset: list[float] = field(default_factory=lambda: [0.0, 0.0])   # I, Q at the RX gain input
    dac_bits: int = 12                  # 0: no DAC model
    dac_guard: bool = True              # clip to +-1.0 full scale before int16 (False: values wrap)
    adc_bits: int = 12                  # 0: no ADC model
    rx_gain_db: float = 0.0             # gain from DAC full scale to ADC full scale (signal and noise)
    tx_gain_ref_db: float = -10.0       # tx_hardwaregain_chan0 at which snr_db holds
    rx_gain_ref_db: float = 40.0        # rx_hardwaregain_chan0 at which rx_gain_db holds
    start_offset_max: int = 0           # receiver starts up to this many samples early
    overflow_rate_hz: float = 0.0       # overflow events per second of received signal
    overflow_len: int = 4096            # samples lost per overflow

    def __post_init__(self) -> None:
        def bad(msg: str) -> None:
            raise RadioError(f"channel config {self.name!r}: {msg}")

        if self.snr_db is not None and not (math.isfinite(self.snr_db) and -30 <= self.snr_db <= 120):
            bad(f"snr_db must be in -30 .. 120 dB or null, got {self.snr_db}")
        if not (self.reference_power > 0 and math.isfinite(self.reference_power)):
            bad(f"reference_power must be > 0, got {self.reference_power}")
        if not 0 < self.occupied_fraction <= 1:
            bad(f"occupied_fraction must be in (0, 1], got {self.occupied_fraction}")
        if not self.sample_rate > 0:
            bad(f"sample_rate must be > 0 Hz, got {self.sample_rate}")
        known = sorted(TDL_PROFILES) + ["custom"]
        if self.multipath is not None and self.multipath not in known:
            bad(f"unknown multipath profile {self.multipath!r}; known: {', '.join(known)}")
        if self.multipath == "custom" and (not self.tdl_delays_ns or
                                           len(self.tdl_delays_ns) != len(self.tdl_powers_db)):
            bad("multipath: custom needs tdl_delays_ns and tdl_powers_db of equal, non-zero length")
        if self.tap_interpolation not in ("nearest", "sinc"):
            bad(f"tap_interpolation must be 'nearest' or 'sinc', got {self.tap_interpolation!r}")
        if self.fading not in ("static", "block_rayleigh"):
            bad(f"fading must be 'static' or 'block_rayleigh', got {self.fading!r}")
        if not self.fading_block_s * self.sample_rate >= 1:
            bad(f"fading_block_s must cover at least one sample, got {self.fading_block_s}")
        if abs(self.clock_ppm) > 200 or (self.sfo_ppm is not None and abs(self.sfo_ppm) > 1000):
            bad("clock_ppm must be within +-200 ppm and sfo_ppm within +-1000 ppm")
        if self.cfo_hz is not None and abs(self.cfo_hz) >= self.sample_rate / 2:
            bad(f"cfo_hz {self.cfo_hz:g} is beyond half the sample rate")
        if self.phase_noise_linewidth_hz < 0:
            bad("phase_noise_linewidth_hz must be >= 0")
        if len(self.dc_offset) != 2:
            bad("dc_offset must be [I, Q]")
        for key in ("dac_bits", "adc_bits"):
            if not 0 <= getattr(self, key) <= 16:
                bad(f"{key} must be in 0 .. 16 (0 disables it), got {getattr(self, key)}")
        if self.start_offset_max < 0:
            bad("start_offset_max must be >= 0 samples")
        if self.overflow_rate_hz < 0 or self.overflow_len < 1:
            bad("overflow_rate_hz must be >= 0 and overflow_len >= 1")

    # ---- derived -------------------------------------------------------------------------
    @property
    def effective_cfo_hz(self) -> float:
        """Carrier offset applied, Hz (explicit ``cfo_hz`` or from ``clock_ppm``)."""
        return self.cfo_hz if self.cfo_hz is not None else self.clock_ppm * 1e-6 * self.center_freq

    @property
    def effective_sfo_ppm(self) -> float:
        """Sample-clock offset applied, ppm (explicit ``sfo_ppm`` or ``clock_ppm``)."""
        return self.sfo_ppm if self.sfo_ppm is not None else self.clock_ppm

    def replace(self, **changes: Any) -> ChannelConfig:
        """A copy with some fields changed (validated again)."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise RadioError(f"channel config: unknown key {unknown[0]!r}")
        return dataclasses.replace(self, **changes)

    @classmethod
    def for_profile(cls, profile, base: ChannelConfig | str | os.PathLike | None = None,
                    **overrides: Any) -> ChannelConfig:
        """A scenario matched to a ``RadioProfile``: its sample rate, carrier, occupied fraction
        and burst power (``10**(tx_rms_dbfs/10)``), on top of ``base`` (a config, a shipped
        name such as ``"awgn"`` or a path; default: the dataclass defaults), then ``overrides``.
        """
        if base is None:
            cfg = cls()
        elif isinstance(base, ChannelConfig):
            cfg = base
        else:
            cfg = load_channel_config(base)
        fitted = {
            "sample_rate": float(profile.sample_rate),
            "center_freq": float(profile.center_freq),
            "occupied_fraction": float(profile.occupied_fraction),
            "reference_power": float(10 ** (profile.tx_rms_dbfs / 10)),
            "tx_gain_ref_db": float(profile.tx_gain_db),
            "rx_gain_ref_db": float(profile.rx_gain_db),
        }
        return cfg.replace(**{**fitted, **overrides})


SCENARIOS = shipped("radio.channel", "scenarios")  # radio/channel/scenarios/NAME.yaml


def load_channel_config(name_or_path: str | os.PathLike = "awgn", **overrides: Any) -> ChannelConfig:
    """Load ``radio/channel/scenarios/NAME.yaml`` (or a YAML path); keyword overrides replace its keys."""
    return load_dataclass(ChannelConfig, name_or_path, "channels", SCENARIOS, overrides)
