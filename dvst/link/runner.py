"""Running a session from the command line: progress bar, Ctrl-C, the printed table."""

from __future__ import annotations

import sys
import time

from dvst.commands._common import print_table, progress


def run_session(session, total: int | None, desc: str, timeout_s: float | None = None) -> dict:
    """Start ``session``, show a progress bar of frames received (or sent), stop it at its
    end, after ``timeout_s`` or on Ctrl-C (a receiver runs until then); → summary()."""
    bar = progress(total=total, desc=desc, unit="frame")
    session.start()
    t0 = time.perf_counter()
    try:
        while not session.wait(0.2):
            n = len(session.summary_sink.stats) if session.rx is not None else session.frames_sent
            bar.update(n - bar.n)
            if session.failed or (timeout_s is not None and time.perf_counter() - t0 > timeout_s):
                break
    except KeyboardInterrupt:
        print("dvst: stopping", file=sys.stderr)
    finally:
        bar.close()
        session.stop()
    return session.summary()


def print_summary(summary: dict, title: str) -> None:
    keys = ("frames_sent", "frames_decoded", "frames_concealed", "frames_waiting", "psnr_db",
            "msssim_db", "payload_cbr", "air_cbr", "snr_set_db", "snr_measured_db", "fps",
            "latency_ms_p50", "latency_ms_p95")
    print_table([(k, summary[k]) for k in keys if summary.get(k) is not None], title)
