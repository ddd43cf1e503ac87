"""The radio profile: sample rate, carrier, OFDM numerology, subcarrier layout, header code,
equaliser and device gains, loaded from ``radio/profiles/NAME.yaml``.

The OFDM grid uses ``fft_size`` bins at ``sample_rate`` (subcarrier spacing
``sample_rate / fft_size``). ``n_used`` subcarriers carry data or pilots, split evenly around
DC (DC itself empty when ``dc_null``); the rest are guards. Every ``pilot_spacing``-th used
subcarrier is a pilot. Bin indices are FFT-order (0 = DC, negative frequencies wrap to the top).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from foundation.yaml_config import load_dataclass, shipped
from radio.errors import RadioError

# AD9361/AD9363 limits as the Pluto firmware exposes them (with the FPGA decimation filters)
PLUTO_MIN_SAMPLE_RATE = 521e3
PLUTO_MAX_SAMPLE_RATE = 61.44e6
PLUTO_MIN_LO = 70e6
PLUTO_MAX_LO = 6e9
PLUTO_MIN_RF_BW = 200e3
PLUTO_MAX_RF_BW = 56e6


@dataclass
class RadioProfile:
    """One radio configuration; every field is a YAML key of ``radio/profiles/*.yaml``.

    Units: Hz for rates and frequencies, samples for lengths, dB / dBFS for levels.
    """

    name: str = "default"
    sample_rate: float = 2e6            # Hz, complex baseband samples per second
    center_freq: float = 2.4e9          # Hz, LO of both boards
    rf_bandwidth: float = 1.8e6         # Hz, analog filter bandwidth of the AD9361
    fft_size: int = 128                 # OFDM FFT length (power of two)
    cp_len: int = 16                    # cyclic prefix, samples
    n_used: int = 96                    # used subcarriers (data + pilots), DC excluded, even
    dc_null: bool = True                # keep the DC bin empty (the Pluto's LO leakage sits there)
    pilot_spacing: int = 8              # every k-th used subcarrier is a pilot
    sync_repeats: int = 5               # periods of fft_size/2 samples in the detection preamble
    n_training: int = 4                 # repetitions of the long training symbol
    header_bits_per_symbol: int = 2     # 1 = BPSK, 2 = QPSK for header and side information
    header_code_rate: float = 0.2       # LDPC code rate of the header (5G NR base graph 2)
    max_side_info_bytes: int = 4096     # side-information bytes one burst may carry
    max_payload_symbols: int = 1 << 20  # complex analog symbols one burst may carry
    interleave: bool = True             # spread analog symbols over subcarriers and OFDM symbols
    equalizer: str = "zf"               # "zf" (unbiased) or "lmmse"
    tx_rms_dbfs: float = -15.0          # burst RMS level at the DAC, dB below full scale
    guard_samples: int = 64             # zeros after each burst
    detect_threshold: float = 0.08      # Schmidl-Cox metric threshold (|P|^2 / R^2)
    max_cfo_ppm: float = 60.0           # largest carrier offset searched, ppm of center_freq
    rx_buffer_size: int = 65536         # samples per receive buffer
    tx_gain_db: float = -10.0           # Pluto tx_hardwaregain_chan0 (attenuation, <= 0)
    rx_gain_db: float = 40.0            # Pluto rx_hardwaregain_chan0 in manual mode
    gain_control_mode: str = "manual"   # "manual", "slow_attack" or "fast_attack"

    def __post_init__(self) -> None:
        def bad(msg: str) -> None:
            raise RadioError(f"radio profile {self.name!r}: {msg}")

        if not PLUTO_MIN_SAMPLE_RATE <= self.sample_rate <= PLUTO_MAX_SAMPLE_RATE:
            bad(f"sample_rate {self.sample_rate:g} Hz is outside the Pluto's range "
                f"{PLUTO_MIN_SAMPLE_RATE:g} .. {PLUTO_MAX_SAMPLE_RATE:g} Hz")
        if not PLUTO_MIN_LO <= self.center_freq <= PLUTO_MAX_LO:
            bad(f"center_freq {self.center_freq:g} Hz is outside {PLUTO_MIN_LO:g} .. {PLUTO_MAX_LO:g} Hz")
        if not PLUTO_MIN_RF_BW <= self.rf_bandwidth <= PLUTO_MAX_RF_BW:
            bad(f"rf_bandwidth {self.rf_bandwidth:g} Hz is outside "
                f"{PLUTO_MIN_RF_BW:g} .. {PLUTO_MAX_RF_BW:g} Hz")
        n = self.fft_size
        if n < 32 or n > 4096 or n & (n - 1):
            bad(f"fft_size must be a power of two in 32 .. 4096, got {n}")
        if not 1 <= self.cp_len < n:
            bad(f"cp_len must be at least 1 and shorter than fft_size ({n}), got {self.cp_len}")
        if self.n_used % 2 or not 8 <= self.n_used <= n - 4:
            bad(f"n_used must be even and in 8 .. fft_size-4 = {n - 4}, got {self.n_used}")
        if not 2 <= self.pilot_spacing <= self.n_used // 4:
            bad(f"pilot_spacing must be in 2 .. n_used/4 = {self.n_used // 4}, got {self.pilot_spacing}")
        if not 4 <= self.sync_repeats <= 16:
            bad(f"sync_repeats must be in 4 .. 16, got {self.sync_repeats}")
        if not 2 <= self.n_training <= 8:
            bad(f"n_training must be in 2 .. 8 (fine CFO and noise need a repetition), got {self.n_training}")
        if self.header_bits_per_symbol not in (1, 2):
            bad(f"header_bits_per_symbol must be 1 (BPSK) or 2 (QPSK), got {self.header_bits_per_symbol}")
        if not 0.2 <= self.header_code_rate <= 2 / 3:
            bad(f"header_code_rate must be in 1/5 .. 2/3 (5G NR base graph 2), got {self.header_code_rate}")
        if not 0 <= self.max_side_info_bytes <= 65535:
            bad(f"max_side_info_bytes must be in 0 .. 65535, got {self.max_side_info_bytes}")
        if not 1 <= self.max_payload_symbols <= (1 << 28):
            bad(f"max_payload_symbols must be in 1 .. 2^28, got {self.max_payload_symbols}")
        if self.equalizer not in ("zf", "lmmse"):
            bad(f"equalizer must be 'zf' or 'lmmse', got {self.equalizer!r}")
        if not -60.0 <= self.tx_rms_dbfs <= -3.0:
            bad(f"tx_rms_dbfs must be in -60 .. -3 dBFS (OFDM needs headroom), got {self.tx_rms_dbfs}")
        if not 0 <= self.guard_samples <= 1 << 20:
            bad(f"guard_samples must be in 0 .. 2^20, got {self.guard_samples}")
        if not 0.01 <= self.detect_threshold <= 0.9:
            bad(f"detect_threshold must be in 0.01 .. 0.9, got {self.detect_threshold}")
        if not 0 <= self.max_cfo_ppm <= 200:
            bad(f"max_cfo_ppm must be in 0 .. 200, got {self.max_cfo_ppm}")
        if not 1024 <= self.rx_buffer_size <= 1 << 24:
            bad(f"rx_buffer_size must be in 1024 .. 2^24, got {self.rx_buffer_size}")
        if not -89.75 <= self.tx_gain_db <= 0:
            bad(f"tx_gain_db must be in -89.75 .. 0 dB, got {self.tx_gain_db}")
        if not -3 <= self.rx_gain_db <= 71:
            bad(f"rx_gain_db must be in -3 .. 71 dB, got {self.rx_gain_db}")
        if self.gain_control_mode not in ("manual", "slow_attack", "fast_attack"):
            bad("gain_control_mode must be manual, slow_attack or fast_attack, "
                f"got {self.gain_control_mode!r}")
        if self.n_data < 4:
            bad("too few data subcarriers left between the pilots")

    # ---- derived numerology -------------------------------------------------------------
    @property
    def occupied_fraction(self) -> float:
        """Used subcarriers / FFT size: the share of the sampled band that carries signal."""
        return self.n_used / self.fft_size

    @property
    def subcarrier_spacing(self) -> float:
        """Hz between adjacent subcarriers."""
        return self.sample_rate / self.fft_size

    @property
    def symbol_len(self) -> int:
        """Samples per OFDM symbol including the cyclic prefix."""
        return self.fft_size + self.cp_len

    @property
    def max_cfo_hz(self) -> float:
        """Largest carrier-frequency offset the receiver searches, Hz."""
        return self.max_cfo_ppm * 1e-6 * self.center_freq

    @cached_property
    def used_freqs(self) -> np.ndarray:
        """int64 [n_used]: signed subcarrier indices of the used subcarriers, ascending."""
        h = self.n_used // 2
        if self.dc_null:
            return np.concatenate([np.arange(-h, 0), np.arange(1, h + 1)]).astype(np.int64)
        return np.arange(-h, h).astype(np.int64)

    @cached_property
    def used_bins(self) -> np.ndarray:
        """int64 [n_used]: FFT bins (0 .. fft_size-1) of the used subcarriers."""
        return self.used_freqs % self.fft_size

    @cached_property
    def pilot_mask(self) -> np.ndarray:
        """bool [n_used]: which used subcarriers are pilots (centred pattern, edges included)."""
        idx = np.arange(self.n_used)
        off = (self.n_used - 1 - ((self.n_used - 1) // self.pilot_spacing) * self.pilot_spacing) // 2
        return (idx - off) % self.pilot_spacing == 0

    @property
    def n_pilots(self) -> int:
        return int(self.pilot_mask.sum())

    @property
    def n_data(self) -> int:
        """Data subcarriers per OFDM symbol."""
        return self.n_used - self.n_pilots


PROFILES = shipped("radio", "profiles")  # radio/profiles/NAME.yaml


def load_profile(name_or_path: str | os.PathLike = "default", **overrides) -> RadioProfile:
    """Load ``radio/profiles/NAME.yaml`` (or a YAML path); keyword overrides replace its keys.

    Unknown keys, wrong types and values the Pluto cannot do raise a one-line RadioError.
    """
    return load_dataclass(RadioProfile, name_or_path, "radio", PROFILES, overrides)
