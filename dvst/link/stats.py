"""Per-frame statistics: what the sinks (file, JSON, GUI) get for every frame the receiver emits.

numpy only, so the GUI can import it without torch.
"""

from __future__ import annotations

import math
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


def percentile(values, q: float) -> float | None:
    """q-th percentile of the finite values, None when there are none."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], np.float64)
    return float(np.percentile(v, q)) if v.size else None


def mean_or_none(values) -> float | None:
    v = [x for x in values if x is not None and math.isfinite(x)]
    return float(np.mean(v)) if v else None


def summarise(stats: list[FrameStats], frames_sent: int | None, elapsed_s: float | None = None,
              extra: dict | None = None) -> dict:
    """The JSON summary of a run: counts, mean quality, CBRs, measured SNR, fps, latency.

    psnr_db / msssim_db average every emitted frame (concealed ones included: that is what the
    viewer saw); ``*_decoded`` average only the decoded ones. fps = emitted frames / elapsed_s.
    """
    decoded = [s for s in stats if s.status == "decoded"]
    concealed = [s for s in stats if s.status == "concealed"]
    lat = [s.latency_ms for s in stats]
    out = {
        "frames_sent": frames_sent,
        "frames_received": len(stats),
        "frames_decoded": len(decoded),
        "frames_concealed": len(concealed),
        "psnr_db": mean_or_none(s.psnr_db for s in stats),
        "msssim_db": mean_or_none(s.msssim_db for s in stats),
        "psnr_db_decoded": mean_or_none(s.psnr_db for s in decoded),
        "msssim_db_decoded": mean_or_none(s.msssim_db for s in decoded),
        "payload_cbr": mean_or_none(s.payload_cbr for s in stats),
        "air_cbr": mean_or_none(s.air_cbr for s in stats),
        "snr_measured_db": mean_or_none(s.snr_measured_db for s in decoded),
        "fps": (len(stats) / elapsed_s) if elapsed_s else None,
        "latency_ms_p50": percentile(lat, 50),
        "latency_ms_p95": percentile(lat, 95),
        "frames": [s.summary() for s in stats],
    }
    if extra:
        out.update(extra)
    return out
