"""Streaming burst detector: cheap metric on every sample, careful checks on candidates only.

1. :func:`sync.metric.first_crossing` scans new samples for a Schmidl-Cox metric rising above
   the profile's threshold (a few ns per sample); after a rejected candidate it waits for the
   metric to fall first, so a continuous tone costs one check, not one every period.
2. Around a crossing: the metric's plateau gives coarse timing and the CFO modulo
   2·subcarrier spacing; the training symbol's spectrum gives the even-integer subcarrier
   offset (up to ``max_cfo_ppm``); cross-correlation with the known preamble gives the timing
   of the first path; the training repetition refines the CFO.
3. A candidate is accepted only when the integer-offset score and the cross-correlation both
   clear thresholds that white noise practically never reaches (see docs/radio.md).

The detector keeps its search position across buffers; a candidate whose samples have not all
arrived yet is revisited when they have, so a preamble split over buffers is not lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sync.cfo import derotate, fractional_cfo, integer_cfo, repetition_cfo
from sync.metric import first_crossing, schmidl_cox_metric
from sync.stream import SampleStream
from sync.timing import cross_correlation, earliest_path

INTEGER_SCORE_MIN = 0.3   # noise: ~1/sqrt(95) ≈ 0.1 at each of ~10 shifts; 0 dB in-band signal: ≈ 0.5
CORR_MIN = 0.06           # noise: ~1/208 per lag; 0 dB in-band flat channel: ≈ 0.4


@dataclass
class Detection:
    """A confirmed burst start.

    start: absolute index of the first preamble sample (first path); cfo_hz: carrier offset;
    metric: Schmidl-Cox plateau value; corr: normalised preamble cross-correlation peak;
    integer_score: the subcarrier-offset score.
    """

    start: int
    cfo_hz: float
    metric: float
    corr: float
    integer_score: float


class Numerology(Protocol):
    """What the detector reads of the OFDM numerology (``radio.profile.RadioProfile`` has it)."""

    sample_rate: float          # samples per second
    subcarrier_spacing: float   # Hz
    max_cfo_hz: float           # largest carrier offset searched, Hz
    fft_size: int
    cp_len: int                 # samples
    n_training: int             # training symbols after the synchronisation symbol
    detect_threshold: float     # Schmidl-Cox metric threshold
    used_freqs: np.ndarray      # signed subcarrier indices of the used subcarriers, int


class KnownPreamble(Protocol):
    """What the detector reads of the known preamble (``radio.preamble.Preamble`` has it)."""

    period: int                  # samples of one repetition of the synchronisation symbol
    metric_window: int           # samples the Schmidl-Cox metric sums over
    length: int                  # samples of the whole preamble
    sync_len: int                # samples of the synchronisation symbol, cyclic prefix included
    training_start: int          # offset of the first training symbol, samples
    training_freq: np.ndarray    # training symbols on the used subcarriers, complex
    timing_template: np.ndarray  # time-domain template for the cross-correlation, complex


class BurstDetector:
    """Finds bursts in a :class:`SampleStream`; ``search_pos`` is the next absolute index to scan.

    profile: the OFDM numerology; preamble: the known preamble of that numerology. Both are
    read, never imported: sync knows nothing of the radio package.
    """

    def __init__(self, profile: Numerology, preamble: KnownPreamble):
        self.profile = profile
        self.pre = preamble
        self.lag = self.pre.period
        self.window = self.pre.metric_window
        fs = profile.sample_rate
        # CFO modulo 2·Δf comes from the detection part; the rest is an even subcarrier shift
        max_shift = int(np.ceil(profile.max_cfo_hz / profile.subcarrier_spacing)) + 1
        max_shift += max_shift % 2
        self.shifts = np.arange(-max_shift, max_shift + 1, 2)
        self.fs = fs
        self.search_pos = 0
        self.armed = True        # False after a rejected candidate until the metric falls again
        self.rejected = 0
        # Samples a candidate needs after its crossing before it can be judged
        self.span = self.window + 2 * self.lag + self.lag + self.pre.length + self.lag + 2 * profile.cp_len

    def find(self, stream: SampleStream) -> Detection | None:
        """Scan from ``search_pos``; the first confirmed burst, or None (scanned all it could).

        When a crossing needs samples that have not arrived, ``search_pos`` stays at it."""
        while True:
            self.search_pos = max(self.search_pos, stream.start)
            x = stream.view()
            c, armed = first_crossing(x, self.lag, self.window, self.profile.detect_threshold,
                                      self.search_pos - stream.start, self.armed)
            if c < 0:
                self.search_pos = max(self.search_pos, stream.end - self.window - self.lag + 1)
                self.armed = armed
                return None
            c_abs = stream.start + c
            if stream.end < c_abs + self.span:
                self.search_pos = c_abs      # revisit this crossing (armed) when its samples are in
                self.armed = True
                return None
            det, resume = self._confirm(stream, c_abs)
            if det is not None:
                self.armed = True            # the caller moves search_pos past this preamble
                return det
            self.rejected += 1
            self.search_pos = resume
            self.armed = False

    def _confirm(self, stream: SampleStream, c: int) -> tuple[Detection | None, int]:
        p, pre = self.profile, self.pre
        d, w, n, cp = self.lag, self.window, p.fft_size, p.cp_len
        # Plateau: the metric is flat for one period where the whole window sits in the preamble
        seg = stream.view(c, c + w + 3 * d + d)
        m, pp = schmidl_cox_metric(seg, d, w)
        m = m[: w + 2 * d]
        peak = int(np.argmax(m))
        plateau = np.flatnonzero(m >= 0.8 * m[peak])
        plateau = plateau[np.abs(plateau - peak) <= d]
        centre = c + int(round(plateau.mean()))
        s0 = centre - d // 2                       # coarse burst start
        f_frac = fractional_cfo(complex(pp[plateau].sum()), d, self.fs)
        resume = c + peak + d
        # Even-integer subcarrier shift from the middle of the training part
        t0 = s0 + pre.training_start + cp + n // 2
        win = derotate(stream.view(t0, t0 + n), f_frac, self.fs, t0 - s0)
        if win.shape[0] < n:
            return None, resume
        spec = np.fft.fft(win, norm="ortho")
        shift, score = integer_cfo(spec, p.used_freqs, pre.training_freq, self.shifts)
        if score < INTEGER_SCORE_MIN:
            return None, resume
        cfo = f_frac + shift * p.subcarrier_spacing
        # Fine timing on the unique junction of detection and training parts
        tmpl = pre.timing_template
        lo = s0 - d // 2 - cp - 8
        hi = s0 + d // 2 + cp + 8
        a = lo + pre.sync_len - d
        seg = derotate(stream.view(a, a + (hi - lo) + tmpl.shape[0]), cfo, self.fs, a - s0)
        if seg.shape[0] < tmpl.shape[0] + 1:
            return None, resume
        corr = cross_correlation(seg, tmpl)
        first = earliest_path(corr, cp)
        if corr.max() < CORR_MIN:
            return None, resume
        start = lo + first
        # Fine CFO: the training repetitions (skip the CP, which sees the detection part's echo)
        b = start + pre.training_start + cp
        rep = derotate(stream.view(b, b + (p.n_training) * n), cfo, self.fs, b - start)
        cfo += repetition_cfo(rep, n, self.fs)
        return Detection(start, float(cfo), float(m[peak]), float(corr.max()), score), resume
