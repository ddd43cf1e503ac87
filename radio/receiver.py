"""Streaming burst receiver: buffers in, ReceivedBursts out.

``Receiver(profile).process(buffer)`` accepts receive buffers of any size and content, keeps
state across calls (DC blocker, detector position, a burst whose samples have not all arrived),
and returns the bursts completed by this buffer. Per burst it reports the header (or None and
why), the equalised analog payload with the effective noise variance of every symbol, and what
the GUI shows: in-band SNR, CFO, SFO, timing, channel magnitude per subcarrier, residual phase
per OFDM symbol and the constellation points of pilots, header and payload.

Processing order: front end (sanitise, DC block) → detector (sync.detector) → training
symbols (channel, noise) → header symbols with pilot tracking → base header decode →
remaining header and payload symbols → equalisation (ZF or LMMSE) → de-interleaving.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from radio.analog import equalize, interleaver
from radio.header import BurstHeader, HeaderCodec
from radio.ofdm import OFDM
from radio.preamble import Preamble
from radio.profile import RadioProfile
from sync.correction import RxCorrector, rx_correction
from sync.detector import BurstDetector, Detection
from sync.estimate import (
    DelaySmoother,
    TrainingEstimate,
    pilot_noise,
    pooled_noise,
    snr_db,
    symbol_channels,
    training_estimate,
)
from sync.frontend import FrontEnd
from sync.kernels import derotate_grid, gather_windows
from sync.stream import SampleStream
from sync.tracking import PilotTracker

# OFDM symbols demodulated per step while following the sampling-clock drift: a short first
# block (the drift is unknown), then long ones (fewer Python round trips)
_FIRST_BLOCK = 32
_BLOCK = 256
# Pilot mismatch (in noise units, ≈ 1 on a static channel) above which a burst may have lost
# samples inside it and its span is searched again for the next preamble
_RESCAN_MISMATCH = 1.5


@dataclass
class ReceivedBurst:
    """One detected burst.

    header: the decoded BurstHeader (side_info None if only its CRC failed), or None — then
    ``reason`` says why and the payload fields are empty.
    symbols: complex64 [payload_len] equalised analog symbols (the ``payload`` constellation);
    noise_var: float32 [payload_len] effective noise variance of each symbol, same scale.
    snr_db: measured in-band SNR; cfo_hz; sfo_ppm (transmitter clock relative to receiver);
    timing: absolute stream index of the burst's first sample.
    channel_mag: float32 [n_used] |H| per used subcarrier (ascending frequency), full-scale units.
    phase: float32 [n_ofdm] residual phase removed from each header/payload OFDM symbol, rad.
    pilots, header_points: complex64 equalised pilot and header constellation points.
    """

    header: BurstHeader | None
    reason: str
    symbols: np.ndarray
    noise_var: np.ndarray
    snr_db: float
    cfo_hz: float
    sfo_ppm: float
    timing: int
    channel_mag: np.ndarray
    phase: np.ndarray
    pilots: np.ndarray
    header_points: np.ndarray
    metric: float = 0.0
    corr: float = 0.0
    n_samples: int = 0            # air samples of the burst (preamble .. last payload symbol)
    n_header_symbols: int = 0     # OFDM symbols of the header (base + side information)

    @property
    def ok(self) -> bool:
        return self.header is not None

    @property
    def payload(self) -> np.ndarray:
        """Equalised payload constellation points (same array as ``symbols``)."""
        return self.symbols


@dataclass
class _Pending:
    det: Detection
    est: TrainingEstimate | None = None
    tracker: PilotTracker | None = None
    header: BurstHeader | None = None
    side_len: int = 0
    t_ref: float = 0.0
    raw: list = field(default_factory=list)       # demodulated [S, n_used] blocks, uncorrected
    z: list = field(default_factory=list)         # pilots / (channel · known) per block
    t: list = field(default_factory=list)         # symbol times since the training
    shift: list = field(default_factory=list)     # whole-sample window shifts used
    n_done: int = 0
    grid: np.ndarray | None = None                # phase-corrected [n, n_used]
    residual: np.ndarray | None = None            # pilot residuals [n, n_pilots]
    phase: np.ndarray | None = None
    chans: object = None                          # SymbolChannels for the symbols in grid
    chans_n: int = -1                             # how many symbols chans covers


class Receiver:
    """Streaming receiver for one profile; ``equalizer`` overrides ``profile.equalizer``."""

    def __init__(self, profile: RadioProfile, equalizer: str | None = None):
        p = self.profile = profile
        self.equalizer = equalizer or p.equalizer
        self.ofdm = OFDM(p)
        self.pre = Preamble(p)
        self.codec = HeaderCodec(p)
        # Calibration hook (sync/correction.py): a profile from calibration.apply_profile
        # carries this board's DC, IQ-imbalance and carrier-offset corrections.
        corr = rx_correction(p)
        self.frontend = FrontEnd(dc_offset=corr.dc_offset)
        self.corrector = RxCorrector(corr, p.sample_rate) if corr.active else None
        self.cfo_hint_hz = corr.cfo_hz
        self.stream = SampleStream(max(1 << 16, 4 * p.rx_buffer_size))
        self.detector = BurstDetector(p, self.pre)
        self.backoff = max(1, p.cp_len // 4)   # FFT window starts this far inside the CP
        self.smoother = DelaySmoother(p.used_freqs, p.fft_size, p.cp_len)
        self.margin = 2 * p.symbol_len + self.detector.window + 2 * self.detector.lag
        self._pending: _Pending | None = None
        self.bursts = 0
        self.header_failures = 0

    # ---- streaming ----------------------------------------------------------------------
    def process(self, buffer) -> list[ReceivedBurst]:
        """buffer: complex baseband in full-scale units (any dtype/shape; garbage is tolerated)."""
        x = self.frontend.process(buffer)
        if self.corrector is not None:
            x = self.corrector.process(x)
        self.stream.append(x)
        out: list[ReceivedBurst] = []
        while True:
            if self._pending is None:
                det = self.detector.find(self.stream)
                if det is None:
                    break
                self._pending = _Pending(det)
            burst = self._advance(self._pending)
            if burst is None:
                break
            out.append(burst)
            self._pending = None
        keep = self.detector.search_pos if self._pending is None else self._pending.det.start
        self.stream.discard_before(keep - self.margin)
        return out

    # ---- one burst ----------------------------------------------------------------------
    def _advance(self, b: _Pending) -> ReceivedBurst | None:
        p = self.profile
        s = b.det.start
        slack = p.cp_len + 32
        if b.est is None:
            if self.stream.end < s + self.pre.length + self.codec.n_base_symbols * p.symbol_len + slack:
                return None
            self._train(b)
            self._symbols(b, self.codec.n_base_symbols)
            self._correct(b)
            pts, var = self._equalised_data(b, 0, self.codec.n_base_symbols, track=False)
            header, side_len, reason = self.codec.decode_base(pts, var)
            if header is not None and header.payload_len > p.max_payload_symbols:
                header, reason = None, f"payload_len {header.payload_len} exceeds this profile's maximum"
            if header is not None and side_len > p.max_side_info_bytes:
                header, reason = None, f"side_len {side_len} exceeds this profile's maximum"
            if header is None:
                self.header_failures += 1
                self.detector.search_pos = s + self.pre.length
                return self._result(b, None, reason, pts)
            b.header, b.side_len = header, side_len
        n_head = self.codec.n_symbols(b.side_len, b.header.side_mcs)
        n_pay = -(-b.header.payload_len // p.n_data)
        if self.stream.end < s + self.pre.length + (n_head + n_pay) * p.symbol_len + slack:
            return None
        self._symbols(b, n_head + n_pay)
        self._correct(b)
        noise = self._noise(b)
        nb = self.codec.n_base_symbols
        head_pts, _ = self._equalised_data(b, 0, nb, noise)
        side_pts, side_var = self._equalised_data(b, nb, n_head, noise)
        if b.side_len:
            b.header.side_info = self.codec.decode_side(side_pts, side_var, b.side_len, b.header.side_mcs)
        else:
            b.header.side_info = b""
        pay, pay_var = self._equalised_data(b, n_head, n_head + n_pay, noise, self.equalizer)
        k = b.header.payload_len
        order = interleaver(n_pay * p.n_data, p.n_data)[:k] if p.interleave else slice(0, k)
        # Samples dropped inside this burst (an overflow) misalign every symbol after the gap,
        # and its nominal end then lies beyond the next burst's preamble: if the pilots show any
        # such mismatch, search again right behind this preamble, else behind the burst.
        end = s + self.pre.length + (n_head + n_pay) * p.symbol_len
        suspect = b.chans is not None and b.chans.mismatch.size and b.chans.mismatch.max() > _RESCAN_MISMATCH
        self.detector.search_pos = s + self.pre.length if suspect else end
        self.bursts += 1
        burst = self._result(b, b.header, "", np.concatenate([head_pts, side_pts]).reshape(-1),
                             pay.reshape(-1)[order], pay_var.reshape(-1)[order], noise)
        burst.n_samples = self.pre.length + (n_head + n_pay) * p.symbol_len
        burst.n_header_symbols = n_head
        return burst

    def _windows(self, start: int, offsets: np.ndarray, cfo: float) -> np.ndarray:
        """complex64 [S, N] FFT windows at absolute ``offsets``, derotated by ``cfo`` with
        phase reference at absolute index ``start``."""
        w = 2 * np.pi * cfo / self.profile.sample_rate
        rel = np.asarray(offsets, np.int64) - self.stream.start
        return gather_windows(self.stream.view(), rel, self.profile.fft_size, w, start - self.stream.start)

    def _demod(self, windows: np.ndarray) -> np.ndarray:
        f = scipy.fft.fft(windows, axis=1, norm="ortho")
        return f[:, self.profile.used_bins]

    def _train(self, b: _Pending) -> None:
        p, s = self.profile, b.det.start
        first = self.pre.training_start + p.cp_len - self.backoff
        offs = s + first + p.fft_size * np.arange(p.n_training)
        y = self._demod(self._windows(s, offs, b.det.cfo_hz))
        b.est = training_estimate(y, self.pre.training_freq, self.smoother)
        b.tracker = PilotTracker(self.ofdm.pilot_freqs, p.fft_size)
        b.t_ref = first + (p.n_training - 1) * p.fft_size / 2

    def _symbols(self, b: _Pending, upto: int) -> None:
        """Demodulate header/payload OFDM symbols b.n_done .. upto-1 and feed their pilots to
        the tracker; blocks of _BLOCK symbols follow the clock drift fitted so far."""
        p, s = self.profile, b.det.start
        hp = b.est.channel[self.ofdm.pilot_idx]
        while b.n_done < upto:
            size = _BLOCK if b.n_done >= _FIRST_BLOCK else _FIRST_BLOCK
            m = np.arange(b.n_done, min(upto, b.n_done + size))
            nominal = self.pre.length + m * p.symbol_len + p.cp_len - self.backoff
            t = (nominal - b.t_ref).astype(np.float64)
            shift = b.tracker.predicted_shift(t)
            y = self._demod(self._windows(s, s + nominal + shift, b.det.cfo_hz))
            z = y[:, self.ofdm.pilot_idx] / (hp[None, :] * self.ofdm.pilot_values(m.size, first=int(m[0])))
            b.tracker.observe(z, t, shift)
            b.raw.append(y)
            b.z.append(z)
            b.t.append(t)
            b.shift.append(shift)
            b.n_done = int(m[-1]) + 1

    def _correct(self, b: _Pending) -> None:
        """Remove the fitted slope and each symbol's phase from every symbol so far."""
        for name in ("raw", "z", "t", "shift"):
            parts = getattr(b, name)
            if len(parts) > 1:
                setattr(b, name, [np.concatenate(parts)])
        p = self.profile
        if not b.raw:
            b.grid = np.zeros((0, p.n_used), np.complex64)
            b.residual = np.zeros((0, p.n_pilots), np.complex64)
            b.phase = np.zeros(0)
            return
        slope, phase = b.tracker.correction(b.z[0], b.t[0], b.shift[0])
        grid = np.array(b.raw[0], np.complex64, order="C")
        derotate_grid(grid, phase, slope, p.used_freqs)
        known = self.ofdm.pilot_values(grid.shape[0], first=0)
        b.residual = grid[:, self.ofdm.pilot_idx] - b.est.channel[self.ofdm.pilot_idx][None, :] * known
        b.grid, b.phase = grid, phase

    def _retrack(self, b: _Pending, changed: np.ndarray) -> None:
        """The channel changed after the training (``changed`` symbols): their pilots, measured
        against the stale channel, misled the drift fit and their phases. Fit the drift from
        the other symbols only, give the changed ones the phase trend of the others (residual
        CFO) — the pilot-based channel then absorbs the rest — and correct the grid again."""
        keep = ~changed
        b.tracker.refit(keep)
        slope, phase = b.tracker.correction(b.z[0], b.t[0], b.shift[0])
        t = b.t[0]
        trend = np.polyfit(t[keep], np.unwrap(phase[keep]), 1)
        phase = phase.copy()
        phase[changed] = np.polyval(trend, t[changed])
        grid = np.array(b.raw[0], np.complex64, order="C")
        derotate_grid(grid, phase, slope, self.profile.used_freqs)
        known = self.ofdm.pilot_values(grid.shape[0], first=0)
        b.residual = grid[:, self.ofdm.pilot_idx] - b.est.channel[self.ofdm.pilot_idx][None, :] * known
        b.grid, b.phase = grid, phase

    def _noise(self, b: _Pending) -> float:
        res = b.residual if b.residual is not None else np.zeros((0, 0), np.complex64)
        return pooled_noise([(b.est.noise_var, b.est.dof), pilot_noise(res, b.est.est_factor)])

    def _equalised_data(self, b: _Pending, m0: int, m1: int, noise: float | None = None,
                        method: str = "zf", track: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Data subcarriers of symbols m0 .. m1-1 → (complex64 [S, n_data], float32 [S, n_data]).

        Each symbol is equalised with the training channel, or with a pilot-based one where
        the pilots say the channel has changed since (sync.estimate.symbol_channels), and gets
        that symbol's effective noise variance. track=False: the training channel and the
        pooled noise for all (the base header, decoded before the rest has arrived)."""
        grid = b.grid[m0:m1]
        d = self.ofdm.data_idx
        if noise is None:
            noise = self._noise(b)
        if not track:
            return equalize(grid[:, d], b.est.channel[d], noise, b.est.est_factor, method)
        n = b.grid.shape[0]
        if b.chans_n != n:
            known = self.ofdm.pilot_values(n)
            b.chans = symbol_channels(b.grid, known, self.ofdm.pilot_idx, b.est, noise)
            if b.chans.changed.any() and (~b.chans.changed).sum() >= 2:
                self._retrack(b, b.chans.changed)
                b.chans = symbol_channels(b.grid, known, self.ofdm.pilot_idx, b.est, noise)
            b.chans_n = n
        c = b.chans
        h = c.channel[d] if c.channel.ndim == 1 else c.channel[m0:m1][:, d]
        return equalize(grid[:, d], h, c.noise_var[m0:m1, None], 0.0, method)

    def _result(self, b: _Pending, header, reason, header_pts, symbols=None, noise_var=None,
                noise: float | None = None) -> ReceivedBurst:
        est = b.est
        noise = self._noise(b) if noise is None else noise
        if b.chans_n == b.grid.shape[0]:
            noise = b.chans.noise      # recounted against the tracked channels
        grid = b.grid
        pil, _ = equalize(grid[:, self.ofdm.pilot_idx], est.channel[self.ofdm.pilot_idx], noise)
        return ReceivedBurst(
            header=header, reason=reason,
            symbols=(np.zeros(0, np.complex64) if symbols is None
                     else symbols.astype(np.complex64, copy=False)),
            noise_var=(np.zeros(0, np.float32) if noise_var is None
                       else noise_var.astype(np.float32, copy=False)),
            snr_db=snr_db(est.signal_power, noise), cfo_hz=b.det.cfo_hz + self.cfo_hint_hz,
            sfo_ppm=b.tracker.sfo_ppm,
            timing=b.det.start, channel_mag=np.abs(est.channel).astype(np.float32),
            phase=b.phase.astype(np.float32),
            pilots=pil.reshape(-1), header_points=np.asarray(header_pts, np.complex64).reshape(-1),
            metric=b.det.metric, corr=b.det.corr)
