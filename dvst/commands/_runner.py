"""Running a session from the command line: progress bar, Ctrl-C / SIGTERM, the printed table."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from dvst.console import count_arg, print_table, progress, write_json
from dvst.errors import DvstError, Terminated
from dvst.link.sinks import JsonLinesSink, frames_log_path

log = logging.getLogger(__name__)


def run_session(session, total: int | None, desc: str, timeout_s: float | None = None,
                checkpoint: Callable[[dict], None] | None = None, every_s: float = 5.0) -> dict:
    """Start ``session``, show a progress bar of frames received (or sent), stop it at its
    end, after ``timeout_s``, on Ctrl-C or on SIGTERM (a receiver runs until then); → summary().

    checkpoint: called with the summary so far (``state: "running"``) at the start and every
    ``every_s`` seconds, so that a run killed without warning still leaves its figures.
    The returned summary's ``state`` is "complete", "interrupted" (Ctrl-C), "terminated"
    (SIGTERM), "timeout" or "failed"; ``frames_in_flight`` counts frames sent that were
    neither shown nor concealed when a run was cut short.
    """
    bar = progress(total=total, desc=desc, unit="frame")
    session.start()
    t0 = last = time.perf_counter()
    state = "complete"
    try:
        if checkpoint is not None:
            checkpoint({**session.summary(), "state": "running"})
        while not session.wait(0.2):
            n = session.summary_sink.count if session.rx is not None else session.frames_sent
            bar.update(n - bar.n)
            now = time.perf_counter()
            if session.failed:
                state = "failed"
                break
            if timeout_s is not None and now - t0 > timeout_s:
                state = "timeout"
                break
            if checkpoint is not None and now - last >= every_s:
                checkpoint({**session.summary(), "state": "running"})
                last = now
    except KeyboardInterrupt as e:
        state = "terminated" if isinstance(e, Terminated) else "interrupted"
        log.warning("stopping (%s)", state)
    finally:
        bar.close()
        try:
            session.stop()
        except BaseException:
            if checkpoint is not None:
                checkpoint({**session.summary(), "state": "failed"})
            raise
    return {**session.summary(), "state": state}


def print_summary(summary: dict, title: str) -> None:
    keys = ("state", "frames_sent", "frames_decoded", "frames_concealed", "frames_waiting",
            "frames_in_flight", "psnr_db", "msssim_db", "payload_cbr", "air_cbr", "snr_set_db",
            "snr_measured_db", "fps", "latency_ms_p50", "latency_ms_p95")
    print_table([(k, summary[k]) for k in keys if summary.get(k) is not None], title)


EXIT_STATUS = {"interrupted": 130, "terminated": 143}  # 128 + SIGINT / SIGTERM, as shells report


def add_run_flags(parser) -> None:
    """``--require-frames N``: for test benches, a run that decodes fewer frames fails."""
    parser.add_argument("--require-frames", type=count_arg, metavar="N", default=None,
                        help="exit with status 2 unless at least N frames were decoded")


def run_command(session, args, total: int | None, desc: str, title: str) -> int:
    """The common end of ``loopback``, ``tx``, ``rx`` and ``replay``: run ``session`` with
    ``--json`` written as it goes (summary every few seconds, per-frame records as JSON Lines
    beside it), then :func:`finish`."""
    extra, checkpoint = {}, None
    if getattr(args, "json", None):
        log_path = frames_log_path(args.json)
        session.sinks.append(JsonLinesSink(log_path))
        extra = {"frames_log": str(log_path)}

        def checkpoint(summary: dict) -> None:
            write_json(args.json, {**summary, **extra})

    summary = {**run_session(session, total, desc, checkpoint=checkpoint), **extra}
    return finish(args, summary, title)


def finish(args, summary: dict, title: str) -> int:
    """Print and write the summary, then the exit status: 130 / 143 for a run stopped by
    SIGINT / SIGTERM, a DvstError when fewer than ``--require-frames`` frames were decoded."""
    summary.setdefault("state", "complete")
    receiver_alone = summary.get("frames_sent") is None
    if receiver_alone and summary.get("frames_received") == 0 and not summary.get("frames_waiting"):
        # noise, silence, the wrong radio profile, …
        log.warning("no DVST frame found (%d bursts with a bad header)", summary.get("bursts_failed") or 0)
    print_summary(summary, title)
    write_json(getattr(args, "json", None), summary)
    need = getattr(args, "require_frames", None)
    if need and (summary.get("frames_decoded") or 0) < need:
        raise DvstError(f"{summary.get('frames_decoded') or 0} frames decoded, {need} required")
    return EXIT_STATUS.get(summary["state"], 0)
