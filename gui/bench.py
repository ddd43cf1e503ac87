"""What a redraw of the window costs: ``python -m gui.bench`` (offscreen, synthetic frames).

The window shares the machine with the codec and the radio, so its drawing budget matters:
the figures quoted in docs/gui.md come from this script. ``synthetic_stats`` also feeds the
GUI tests: a FrameStats with every field filled the way the link fills it.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from dvst.link.stats import FrameStats


def synthetic_stats(i: int, height: int = 64, width: int = 96, sample_rate: float = 2e6,
                    n_points: int = 1000, concealed: int = 0) -> FrameStats:
    """Frame ``i``: a noisy picture and its reconstruction (uint8 [height, width, 3]), Gaussian
    payload symbols (``n_points``), QPSK pilots and header (100 each), a falling channel
    magnitude over 104 subcarriers and a snippet with a tone at fs/8 over noise. The scalar
    figures are simple functions of ``i`` (PSNR = 30 + i dB, MS-SSIM = 14 + i dB, ...)."""
    rng = np.random.default_rng(i)
    original = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    rec = np.clip(original.astype(int) + rng.integers(-8, 9, original.shape), 0, 255).astype(np.uint8)
    qpsk = ((rng.integers(0, 2, 200) * 2 - 1) + 1j * (rng.integers(0, 2, 200) * 2 - 1)) / np.sqrt(2)
    n = np.arange(4096)
    noise = rng.standard_normal(4096) + 1j * rng.standard_normal(4096)
    snippet = 0.1 * np.exp(2j * np.pi * 0.125 * n) + 0.01 * noise
    payload = (rng.standard_normal(n_points) + 1j * rng.standard_normal(n_points)) / 2
    return FrameStats(
        index=i, kind="I" if i % 4 == 0 else "P", status="decoded", psnr_db=30.0 + i, msssim_db=14.0 + i,
        payload_cbr=0.02, air_cbr=0.031, snr_measured_db=14.6 + 0.1 * i, snr_set_db=15.0, cfo_hz=123.4,
        sfo_ppm=-1.5, timing=1000 * i, latency_ms=42.0, fps=25.0, original=original, reconstruction=rec,
        constellation={"payload": payload.astype(np.complex64),
                       "pilots": (qpsk[:100] * 1.02).astype(np.complex64),
                       "header": (qpsk[100:] * 0.98).astype(np.complex64)},
        channel_mag=np.linspace(0.5, 1.5, 104).astype(np.float32), rx_snippet=snippet.astype(np.complex64),
        sample_rate=sample_rate, device="loopback", model="small", frames_concealed=concealed)


def redraw_cost(frames: int = 40, window_size=(1600, 1000), frame_size=(416, 240), warmup: int = 5,
                axis_cache: bool = True) -> dict:
    """CPU and wall milliseconds per redraw: everything (pictures, status and plots), and the
    pictures and status alone (what the window does between plot redraws).
    axis_cache=False draws the axes afresh on every repaint (pyqtgraph's default), for comparison."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui import panels
    from gui.app import application
    from gui.window import MainWindow

    app = application()
    cache = panels.cache_axes
    if not axis_cache:
        panels.cache_axes = lambda plot: None
    try:
        win = MainWindow()
    finally:
        panels.cache_axes = cache
    win.resize(*window_size)
    win.show()
    app.processEvents()
    w, h = frame_size
    stats = [synthetic_stats(i, h, w, n_points=2000) for i in range(frames + warmup)]
    out = {}
    for name, plots in (("full", True), ("pictures", False)):
        for s in stats[:warmup]:
            win.append(s)
            win.show_stats(s, plots=plots)
            app.processEvents()
        cpu, wall = time.process_time(), time.perf_counter()
        for s in stats[warmup:]:
            win.append(s)
            win.show_stats(s, plots=plots)
            app.processEvents()
        out[f"{name}_cpu_ms"] = (time.process_time() - cpu) / frames * 1e3
        out[f"{name}_wall_ms"] = (time.perf_counter() - wall) / frames * 1e3
    win.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m gui.bench", description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=40)
    p.add_argument("--no-axis-cache", dest="axis_cache", action="store_false",
                   help="draw the axes afresh on every repaint, for comparison")
    args = p.parse_args()
    for k, v in redraw_cost(args.frames, axis_cache=args.axis_cache).items():
        print(f"{k:18s} {v:7.1f}")


if __name__ == "__main__":
    main()
