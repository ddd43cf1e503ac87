"""Where FrameStats go: the side-by-side video file, the JSON summary, the display queue."""

from __future__ import annotations

import queue
import threading

import numpy as np

from dvst.link.stats import FrameStats, summarise


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


class SummarySink(Sink):
    """Keeps the scalar part of every FrameStats for the JSON summary (arrays dropped)."""

    def __init__(self) -> None:
        self.stats: list[FrameStats] = []

    def put(self, stats: FrameStats) -> None:
        light = FrameStats(**{**stats.__dict__, "original": None, "reconstruction": None,
                              "constellation": {}, "channel_mag": None, "rx_snippet": None})
        self.stats.append(light)

    def summary(self, frames_sent: int | None, elapsed_s: float | None, extra: dict | None = None) -> dict:
        return summarise(self.stats, frames_sent, elapsed_s, extra)
