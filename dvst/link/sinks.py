"""Where FrameStats go: the side-by-side video file, the JSON summary and per-frame JSON Lines,
the display queue."""

from __future__ import annotations

import json
import queue
import threading
from pathlib import Path

import numpy as np

from dvst.errors import DvstError
from dvst.jsonable import plain
from dvst.link.stats import FrameStats, RunTally


class Sink:
    """Gets every FrameStats the receiver emits, in order, from the decoder thread."""

    def put(self, stats: FrameStats) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LatestQueueSink(Sink):
    """A bounded queue for display (the GUI): when full, the oldest entry is dropped."""

    def __init__(self, q: queue.Queue):
        self.queue = q

    def put(self, stats: FrameStats) -> None:
        while True:
            try:
                self.queue.put_nowait(stats)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()
                except queue.Empty:
                    pass


def side_by_side(original: np.ndarray | None, reconstruction: np.ndarray) -> np.ndarray:
    """uint8 [H, 2W, 3]: original left, reconstruction right (grey left when no original)."""
    left = original if original is not None and original.shape == reconstruction.shape \
        else np.full_like(reconstruction, 128)
    return np.concatenate([left, reconstruction], axis=1)


class VideoFileSink(Sink):
    """Writes original | reconstruction side by side into a video file as frames arrive.

    The encoder runs in its own thread behind a bounded queue, so a slow disk slows the
    receiver down instead of filling memory.
    """

    def __init__(self, path, fps: float = 25.0, depth: int = 8):
        from dvst.io.video import write_video

        self.path = path
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._wrote = False
        self._ended = False  # the writer has taken close()'s None

        def frames():
            while (item := self._q.get()) is not None:
                yield item
            self._ended = True

        def work():
            try:
                write_video(path, frames(), fps=fps)
            except BaseException as e:  # re-raised in close() on the caller's thread
                self._error = e
                # keep draining so put() never blocks, unless the writer failed after the end
                # (e.g. when the container is written out): then no None is left to wait for
                while not self._ended and self._q.get() is not None:
                    pass

        self._thread = threading.Thread(target=work, name="video-sink", daemon=True)
        self._thread.start()

    def put(self, stats: FrameStats) -> None:
        if stats.reconstruction is not None:
            self._wrote = True
            self._q.put(side_by_side(stats.original, stats.reconstruction))

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        if self._error is not None and self._wrote:
            raise self._error


class SummarySink(RunTally, Sink):
    """The running totals behind the JSON summary (constant memory per frame)."""

    def put(self, stats: FrameStats) -> None:
        self.add(stats)


class JsonLinesSink(Sink):
    """One JSON object per emitted frame (FrameStats.summary()), written and flushed as it
    arrives: a run cut short keeps every record up to its last frame."""

    def __init__(self, path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(self.path, "w", encoding="utf-8")
        except OSError as e:
            raise DvstError(f"cannot write {self.path}: {e}") from None

    def put(self, stats: FrameStats) -> None:
        self._f.write(json.dumps(plain(stats.summary())) + "\n")
        self._f.flush()

    def close(self) -> None:
        self._f.close()


def frames_log_path(json_path) -> Path:
    """Where the per-frame records of ``--json RUN.json`` go: ``RUN.frames.jsonl`` beside it."""
    p = Path(json_path)
    return p.with_name((p.stem if p.suffix.lower() == ".json" else p.name) + ".frames.jsonl")
