"""Per-frame statistics: what the sinks (file, JSON, GUI) get for every frame the receiver emits.

numpy only, so the GUI can import it without torch.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np


@dataclass
class FrameStats:
    """One received (decoded or concealed) frame.

    index: frame number in the stream. kind: "I" or "P". status: "decoded" | "concealed".
    psnr_db / msssim_db: against the original, None when the receiver has no reference video.
    payload_cbr: complex channel symbols of this frame (analog payload plus the symbols its
    coded header bits occupy) per source value H·W·3. air_cbr: every complex sample the radio
    sent for this frame (preamble, header, pilots, CP, guards, gaps) per source value.
    snr_measured_db: in-band SNR the receiver measured (None when nothing arrived).
    snr_set_db: the simulator's set SNR in loopback, else None. cfo_hz, sfo_ppm, timing
    (absolute sample index of the first burst): synchroniser estimates.
    latency_ms: capture at the source → reconstruction at the receiver (None when unknown).
    fps: frames per second emitted by the receiver, over a sliding window.
    original / reconstruction: uint8 [H, W, 3]. constellation: "payload"/"pilots"/"header" →
    complex64 [≤ ~2000]. channel_mag: float32 [n_used]. rx_snippet: complex64 [~4096] raw
    received samples (full-scale units) for PSD and waterfall. sample_rate: Hz.
    frames_concealed: running count of concealed frames so far.
    """

    index: int
    kind: str
    status: str
    psnr_db: float | None = None
    msssim_db: float | None = None
    payload_cbr: float | None = None
    air_cbr: float | None = None
    snr_measured_db: float | None = None
    snr_set_db: float | None = None
    cfo_hz: float | None = None
    sfo_ppm: float | None = None
    timing: int | None = None
    latency_ms: float | None = None
    fps: float | None = None
    original: np.ndarray | None = None
    reconstruction: np.ndarray | None = None
    constellation: dict[str, np.ndarray] = field(default_factory=dict)
    channel_mag: np.ndarray | None = None
    rx_snippet: np.ndarray | None = None
    sample_rate: float | None = None
    device: str = ""
    model: str = ""
    frames_concealed: int = 0
    # Additions beyond the agreed interface (never renamed, only added):
    n_bursts: int = 0               # bursts this frame was sent in (received, when decoded)
    reason: str = ""                # why a frame was concealed ("missing burst", "no reference", ...)

    def summary(self) -> dict:
        """The scalar fields, for JSON sinks (arrays left out)."""
        keys = ("index", "kind", "status", "psnr_db", "msssim_db", "payload_cbr", "air_cbr",
                "snr_measured_db", "snr_set_db", "cfo_hz", "sfo_ppm", "timing", "latency_ms",
                "fps", "frames_concealed", "n_bursts", "reason")
        return {k: getattr(self, k) for k in keys}


class RunTally:
    """Running totals of a run's FrameStats, in constant memory per frame (a float32 latency).

    A receiver may run for hours: the per-frame records go to a JSON Lines file as they arrive
    (:class:`dvst.link.sinks.JsonLinesSink`), and the summary is built from these totals.
    psnr_db / msssim_db average every emitted frame (concealed ones included: that is what the
    viewer saw); ``*_decoded`` average only the decoded ones. fps = emitted frames / elapsed_s.
    """

    _MEANS = (("psnr_db", "psnr_db", False), ("msssim_db", "msssim_db", False),
              ("psnr_db_decoded", "psnr_db", True), ("msssim_db_decoded", "msssim_db", True),
              ("payload_cbr", "payload_cbr", False), ("air_cbr", "air_cbr", False),
              ("snr_measured_db", "snr_measured_db", True))

    def __init__(self) -> None:
        self.count = 0
        self.decoded = 0
        self.concealed = 0
        self._sum = {k: 0.0 for k, _, _ in self._MEANS}
        self._n = {k: 0 for k, _, _ in self._MEANS}
        self._latency = array("f")

    def add(self, s: FrameStats) -> None:
        self.count += 1
        self.decoded += s.status == "decoded"
        self.concealed += s.status == "concealed"
        for key, attr, decoded_only in self._MEANS:
            v = getattr(s, attr)
            if v is not None and math.isfinite(v) and (s.status == "decoded" or not decoded_only):
                self._sum[key] += v
                self._n[key] += 1
        if s.latency_ms is not None and math.isfinite(s.latency_ms):
            self._latency.append(s.latency_ms)

    def summary(self, frames_sent: int | None, elapsed_s: float | None = None,
                extra: dict | None = None) -> dict:
        """The JSON summary of a run: counts, mean quality, CBRs, measured SNR, fps, latency."""
        out = {"frames_sent": frames_sent, "frames_received": self.count,
               "frames_decoded": self.decoded, "frames_concealed": self.concealed}
        out.update({k: (self._sum[k] / self._n[k] if self._n[k] else None) for k, _, _ in self._MEANS})
        lat = np.frombuffer(self._latency, np.float32) if len(self._latency) else None
        out.update({"fps": (self.count / elapsed_s) if elapsed_s else None,
                    "latency_ms_p50": float(np.percentile(lat, 50)) if lat is not None else None,
                    "latency_ms_p95": float(np.percentile(lat, 95)) if lat is not None else None})
        if extra:
            out.update(extra)
        return out
