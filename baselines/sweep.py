"""Operating-point sweeps of the baseline schemes on one clip, the RD envelope and BD-rate.

The RD harness (``dvst bench rd``, its schemes in ``dvst.bench.schemes``) is a thin layer
over this module: :class:`ClipBench` encodes the clip once per (codec, QP/CRF), then sends it
through each scheme at the asked SNR and channel, and measures every received clip the same
way (mean over frames of PSNR and MS-SSIM in dB, payload CBR from ``dvst.eval.metrics``).

- Separation (``h264-ldpc``, ``h265-ldpc``): every rate × code × modulation is simulated;
  the curve is the upper envelope over all of them (the paper's choice of the best pair).
- ``+ Capacity``: every rate at log2(1 + SNR) bits per symbol.
- SoftCast: one point per target CBR.

DVST's points are made by ``dvst.bench.schemes.DVST`` on the same bench (clip, GOP, seed).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from baselines import capacity, h26x, separation
from baselines.errors import BaselineError
from baselines.result import SchemeResult
from dvst.eval.metrics import msssim_db, psnr_db

# the baseline schemes over H.26x, and the codec each one carries
VIDEO_SCHEMES = {"h264-ldpc": "h264", "h265-ldpc": "h265", "h264-capacity": "h264", "h265-capacity": "h265"}
DEAD_BLOCKS = 20  # code blocks all lost → that pair (and any less robust one) is dead at this SNR


@dataclass
class Point:
    """One operating point of one scheme on one clip."""

    scheme: str
    cbr: float
    psnr_db: float
    msssim_db: float | None
    snr_db: float
    channel: str
    params: dict = field(default_factory=dict)
    frame_cbr: list = field(default_factory=list)
    frame_psnr_db: list = field(default_factory=list)
    frames_lost: int = 0

    def as_json(self) -> dict:
        return asdict(self)


def envelope(points: list[Point], key: str = "psnr_db") -> list[Point]:
    """The upper-left envelope: points sorted by CBR that beat every cheaper point on ``key``."""
    out: list[Point] = []
    for p in sorted(points, key=lambda p: (p.cbr, -getattr(p, key))):
        if not out or getattr(p, key) > getattr(out[-1], key):
            out.append(p)
    return out


def bd_rate(anchor: list[Point], test: list[Point], key: str = "psnr_db") -> float | None:
    """Bjøntegaard delta rate (%) of ``test`` against ``anchor`` on their envelopes (akima).

    Negative: ``test`` needs that much less bandwidth for the same quality. None when either
    curve has fewer than two points or their quality ranges do not overlap.
    """
    import bjontegaard

    a, t = envelope(anchor, key), envelope(test, key)
    if len(a) < 2 or len(t) < 2:
        return None
    qa, qt = [getattr(p, key) for p in a], [getattr(p, key) for p in t]
    if min(max(qa), max(qt)) <= max(min(qa), min(qt)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(bjontegaard.bd_rate([p.cbr for p in a], qa, [p.cbr for p in t], qt,
                                         method="akima", require_matching_points=False, min_overlap=0))


class ClipBench:
    """All schemes on one clip ``frames`` uint8 [T, H, W, 3].

    rates: QP (``rate_control="qp"``) or CRF values of the H.26x sweep; mcs: the code ×
    modulation pairs of the separation envelope; seed: channel noise seed of every run.
    """

    def __init__(self, frames: np.ndarray, gop: int = 4, rates=(22, 27, 32, 37, 42, 47),
                 rate_control: str = "qp", mcs=separation.ALL_MCS, seed: int = 0):
        if rate_control not in ("qp", "crf"):
            raise BaselineError(f"rate control must be qp or crf, got {rate_control!r}")
        if not rates:
            raise BaselineError("give at least one QP/CRF value")
        self.frames = np.asarray(frames)
        self.gop, self.rates, self.rate_control = int(gop), tuple(rates), rate_control
        self.mcs = tuple(mcs)
        self.seed = int(seed)
        self._streams: dict = {}
        self._links: dict = {}
        self._psnr: dict = {}
        self._msssim: dict = {}
        self._sims: dict = {}

    @property
    def source_values(self) -> int:
        t, h, w = self.frames.shape[:3]
        return t * h * w * 3

    # --- measurement -------------------------------------------------------------------------
    def _frame_metrics(self, rec: np.ndarray, msssim: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """Per-frame PSNR and (if asked) MS-SSIM in dB of a received clip, cached by content."""
        out_p, out_m = [], []
        for ref, img in zip(self.frames, rec):
            key = hashlib.sha1(img.tobytes()).digest() + hashlib.sha1(ref.tobytes()).digest()
            if key not in self._psnr:
                self._psnr[key] = psnr_db(ref, img)
            out_p.append(self._psnr[key])
            if msssim:
                if key not in self._msssim:
                    self._msssim[key] = msssim_db(ref, img)
                out_m.append(self._msssim[key])
        return np.array(out_p), (np.array(out_m) if msssim else None)

    def measure(self, scheme: str, res: SchemeResult, snr_db: float, channel: str, msssim: bool = True,
                **params) -> Point:
        """A Point from a received clip; ``msssim=False`` leaves ``msssim_db`` None (MS-SSIM is
        the slow metric: candidates that a search discards never need it)."""
        p, m = self._frame_metrics(res.frames, msssim)
        return Point(scheme, res.cbr(), float(p.mean()), None if m is None else float(m.mean()), float(snr_db),
                     channel, {**params, **res.info}, res.frame_cbr().tolist(), p.tolist(),
                     int((~res.shown).sum()))

    # --- H.26x ---------------------------------------------------------------------------------
    def stream(self, codec: str, rate) -> tuple[h26x.Bitstream, np.ndarray]:
        """The clip encoded at one QP/CRF and its clean decode (the encoder's reconstruction)."""
        key = (codec, rate)
        if key not in self._streams:
            kw = {self.rate_control: rate}
            s = h26x.encode(self.frames, codec, gop=self.gop, **kw)
            self._streams[key] = (s, h26x.decode(s)[0])
        return self._streams[key]

    def link(self, mcs: separation.MCS) -> separation.DigitalLink:
        if mcs not in self._links:
            self._links[mcs] = separation.DigitalLink(mcs.code, mcs.bits_per_symbol)
        return self._links[mcs]

    def nominal_cbr(self, codec: str, rate, mcs: separation.MCS) -> float:
        """Payload CBR of a stream over an MCS, known before any simulation."""
        return self.link(mcs).n_symbols(self.stream(codec, rate)[0].n_bits) / self.source_values

    def separation_point(self, scheme: str, rate, mcs: separation.MCS, snr_db: float,
                         channel: str = "awgn", msssim: bool = True) -> Point:
        """One rate × MCS at one SNR (seeded: re-running it gives the same received clip)."""
        key = (scheme, rate, mcs, float(snr_db), channel)
        p = self._sims.get(key)
        if p is None or (msssim and p.msssim_db is None):
            stream, _ = self.stream(VIDEO_SCHEMES[scheme], rate)
            res = separation.run(stream, self.link(mcs), snr_db, channel, seed=self.seed)
            p = self._sims[key] = self.measure(scheme, res, snr_db, channel, msssim, **{self.rate_control: rate})
        return p

    def separation_points(self, scheme: str, snr_db: float, channel: str = "awgn",
                          step: Callable[[int], None] | None = None) -> list[Point]:
        """Every rate × MCS of a separation scheme at one SNR (the envelope is taken later);
        ``step(1)`` after each one (a progress bar's ``update``)."""
        pts = []
        for rate in self.rates:
            for mcs in self.mcs:
                pts.append(self.separation_point(scheme, rate, mcs, snr_db, channel))
                if step is not None:
                    step(1)
        return pts

    def clean_psnr(self, codec: str, rate) -> float:
        """Mean PSNR of the encoder's own reconstruction: what a loss-free transmission gives."""
        return float(np.mean([psnr_db(a, b) for a, b in zip(self.frames, self.stream(codec, rate)[1])]))

    def best_at(self, scheme: str, target_cbr: float, snr_db: float, channel: str = "awgn",
                lossless: bool = False) -> Point | None:
        """The best separation point whose CBR fits ``target_cbr`` at ``snr_db``.

        lossless=True: the best one that loses no frame there (what a designer configures for
        that SNR). lossless=False: the best measured PSNR over all rate × MCS (the paper's
        per-SNR envelope). Candidates are simulated in order of their loss-free PSNR and the
        search stops once no remaining candidate could beat the best measured one (a loss
        never raises PSNR above the loss-free value). One shortcut: once a pair loses every one
        of at least ``DEAD_BLOCKS`` code blocks at this SNR, pairs that are no more robust (code
        rate and QAM order both at least as high) are not simulated at this SNR — at a
        block error rate that high they cannot deliver a GOP. None if nothing fits.
        """
        codec = VIDEO_SCHEMES[scheme]
        cands = [(r, m) for r in self.rates for m in self.mcs if self.nominal_cbr(codec, r, m) <= target_cbr]
        clean = {r: self.clean_psnr(codec, r) for r in {r for r, _ in cands}}
        cands.sort(key=lambda c: (-clean[c[0]], self.nominal_cbr(codec, *c)))
        best = None
        dead: set = set()
        for r, m in cands:
            if best is not None and clean[r] <= best.psnr_db:
                break
            if any(separation.at_least_as_robust(d, m) for d in dead):
                continue
            p = self.separation_point(scheme, r, m, snr_db, channel, msssim=False)
            if p.params["codewords"] >= DEAD_BLOCKS and p.params["codewords_lost"] == p.params["codewords"]:
                dead.add(m)
            if lossless and p.frames_lost == 0:
                best = p
                break
            if not lossless and (best is None or p.psnr_db > best.psnr_db):
                best = p
        if best is None:
            return None
        rate, mcs = best.params[self.rate_control], separation.parse_mcs(best.params["mcs"])
        return self.separation_point(scheme, rate, mcs, snr_db, channel)  # with MS-SSIM

    def capacity_points(self, scheme: str, snr_db: float, channel: str = "awgn") -> list[Point]:
        pts = []
        for rate in self.rates:
            stream, clean = self.stream(VIDEO_SCHEMES[scheme], rate)
            res = capacity.run(stream, snr_db, channel, decoded=clean)
            pts.append(self.measure(scheme, res, snr_db, channel, **{self.rate_control: rate}))
        return pts

    def capacity_at(self, scheme: str, target_cbr: float, snr_db: float, channel: str = "awgn") -> Point | None:
        """"+ Capacity" at a fixed CBR: the best rate whose bits fit at capacity (adapts to SNR)."""
        fits = [p for p in self.capacity_points(scheme, snr_db, channel) if p.cbr <= target_cbr]
        return max(fits, key=lambda p: p.psnr_db) if fits else None

    # --- SoftCast ------------------------------------------------------------------------------
    def softcast_point(self, cbr: float, snr_db: float, channel: str = "awgn") -> Point:
        from baselines.softcast import SoftCast

        key = ("softcast", float(cbr), float(snr_db), channel)
        if key not in self._sims:
            if "softcast" not in self._links:
                self._links["softcast"] = SoftCast(gop=self.gop)
            res = self._links["softcast"].run(self.frames, cbr, snr_db, channel, seed=self.seed)
            self._sims[key] = self.measure("softcast", res, snr_db, channel, target_cbr=float(cbr))
        return self._sims[key]
