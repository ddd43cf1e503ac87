"""The burst preamble: a detection part with a short period, then the long training symbols.

Detection part (Schmidl & Cox): ``sync_repeats`` periods of D = fft_size/2 samples, made from
QPSK on the even used subcarriers only. Its lag-D autocorrelation finds the burst and the
carrier offset modulo 2·subcarrier spacing.

Training part: a cyclic prefix of ``cp_len`` samples, then ``n_training`` identical copies of
one OFDM symbol with known BPSK on every used subcarrier. It resolves the even-integer
subcarrier offset, fixes timing, refines the CFO, and gives the channel and noise estimates.

Both parts have unit power on each subcarrier they use (the detection part is boosted by √2 on
its half of the subcarriers), so the preamble has the same mean power as the data symbols.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from radio.ofdm import pn_symbols
from radio.profile import RadioProfile


@dataclass(frozen=True)
class Preamble:
    """Known preamble waveforms and offsets (samples from the burst start) for one profile."""

    profile: RadioProfile

    @property
    def period(self) -> int:
        """D: the period of the detection part, samples."""
        return self.profile.fft_size // 2

    @property
    def sync_len(self) -> int:
        return self.profile.sync_repeats * self.period

    @property
    def metric_window(self) -> int:
        """W: Schmidl-Cox correlation window, so the metric plateau is one period long."""
        return (self.profile.sync_repeats - 2) * self.period

    @property
    def training_start(self) -> int:
        return self.sync_len

    @property
    def training_len(self) -> int:
        return self.profile.cp_len + self.profile.n_training * self.profile.fft_size

    @property
    def length(self) -> int:
        """Samples from the burst start to the first header symbol."""
        return self.sync_len + self.training_len

    @cached_property
    def sync_freq(self) -> np.ndarray:
        """complex64 [n_used]: detection-part subcarrier values (zero on odd subcarriers)."""
        p = self.profile
        even = (p.used_freqs % 2) == 0
        v = np.zeros(p.n_used, np.complex64)
        v[even] = pn_symbols(int(even.sum()), seed=0x2C4F, bits_per_symbol=2) * np.float32(np.sqrt(2))
        return v

    @cached_property
    def training_freq(self) -> np.ndarray:
        """complex64 [n_used]: the known BPSK value on every used subcarrier."""
        return pn_symbols(self.profile.n_used, seed=0x6B1D)

    def _time(self, freq: np.ndarray) -> np.ndarray:
        full = np.zeros(self.profile.fft_size, np.complex64)
        full[self.profile.used_bins] = freq
        return np.fft.ifft(full, norm="ortho").astype(np.complex64)

    @cached_property
    def training_symbol(self) -> np.ndarray:
        """complex64 [fft_size]: one training symbol in time, no CP."""
        return self._time(self.training_freq)

    @cached_property
    def waveform(self) -> np.ndarray:
        """complex64 [length]: the whole preamble, detection part then training part."""
        p = self.profile
        sync = np.tile(self._time(self.sync_freq)[: self.period], p.sync_repeats)
        t = self.training_symbol
        train = np.concatenate([t[p.fft_size - p.cp_len:], np.tile(t, p.n_training)])
        return np.concatenate([sync, train]).astype(np.complex64)

    @cached_property
    def timing_template(self) -> np.ndarray:
        """complex64: the last detection period, the training CP and the first training symbol —
        unique in time, so its cross-correlation peak marks the burst start without the
        periodic ambiguity of either part."""
        end = self.sync_len + self.profile.cp_len + self.profile.fft_size
        return self.waveform[self.sync_len - self.period: end]
