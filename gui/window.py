"""The main window: panels on the left, controls and status on the right, a link session behind.

The window never runs the radio or the codec itself. A ``LinkSession`` (``dvst.link``) runs them
in worker threads; a QTimer drains ``session.stats`` (a ``queue.Queue`` of ``FrameStats``)
without blocking, feeds every frame to the histories and redraws the other panels with the
newest one. Closing the window stops the session (``session.stop()`` joins its threads).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from dvst.link.catalog import multipath_profiles, shipped_scenarios
from foundation.errors import ProjectError
from gui import theme
from gui.controls import ControlPanel
from gui.panels import ChannelPanel, ConstellationPanel, FramesPanel, HistoryPanel, SpectrumPanel, StatusPanel
from gui.settings import LinkSettings

SessionFactory = Callable[[LinkSettings], object]


class MainWindow(QtWidgets.QMainWindow):
    """The DVST link monitor.

    session: a LinkSession to show (already built; ``start()`` starts it) or None.
    session_factory: ``LinkSettings -> LinkSession``, called on Start to build a session for the
    source the controls name; without one, Start starts ``session`` (once: a LinkSession runs once).
    poll_ms: how often the stats queue is drained; the pictures and the status follow at that
    rate, the plots at most every ``plot_ms`` (a full repaint costs tens of milliseconds of the
    CPU the codec needs). ``frames_shown`` counts redraws, and ``frameShown(object)`` is emitted
    with each redraw's newest FrameStats.
    """

    frameShown = QtCore.Signal(object)
    closed = QtCore.Signal()  # after closing stopped the link

    def __init__(self, session=None, session_factory: SessionFactory | None = None,
                 settings: LinkSettings | None = None, models: list[str] | None = None, poll_ms: int = 40,
                 plot_ms: int = 120, max_per_poll: int = 500):
        super().__init__()
        theme.configure_pyqtgraph()
        self.setWindowTitle("DVST over the air")
        self.setStyleSheet(theme.STYLESHEET)
        self.session = session
        self.session_factory = session_factory
        self.running = False
        self.building = False
        self.stopping = False
        self._stop_thread: threading.Thread | None = None
        self._discard_build = False
        self.frames_shown = 0
        self.frames_received = 0
        self.last_stats = None
        self.last_error: str | None = None
        self.max_per_poll = max_per_poll
        self.plot_ms = plot_ms
        self._plotted_at = 0.0
        self._plots_stale = False

        self.frames = FramesPanel()
        self.constellation = ConstellationPanel()
        self.channel = ChannelPanel()
        self.spectrum = SpectrumPanel()
        self.history = HistoryPanel()
        self.controls = ControlPanel(settings, models, shipped_scenarios(), multipath_profiles())
        self.status = StatusPanel()
        self.panels = (self.frames, self.status)
        self.plot_panels = (self.constellation, self.channel, self.spectrum, self.history)

        middle = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        for w, stretch in ((self.constellation, 4), (self.channel, 4), (self.spectrum, 5)):
            middle.addWidget(w)
            middle.setStretchFactor(middle.count() - 1, stretch)
        left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        for w, stretch in ((self.frames, 5), (middle, 4), (self.history, 3)):
            left.addWidget(w)
            left.setStretchFactor(left.count() - 1, stretch)
        right = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(right)
        column.setContentsMargins(4, 0, 4, 0)
        column.addWidget(self.controls)
        column.addWidget(self.status)
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea()  # a short screen scrolls the controls, not the plots
        scroll.setWidget(right)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(340)
        central = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(central)
        row.setContentsMargins(6, 6, 6, 6)
        row.addWidget(left, 1)
        row.addWidget(scroll)
        self.setCentralWidget(central)
        self.resize(1600, 1000)

        self.controls.startRequested.connect(self.start)
        self.controls.stopRequested.connect(lambda: self.stop(wait=False))
        self.controls.recordToggled.connect(self._record_toggled)
        self.controls.channelChanged.connect(self.apply_channel)
        self.controls.targetChanged.connect(self.apply_target)
        self.controls.radioChanged.connect(self.apply_radio)
        self.controls.set_running(False)
        if session is not None and session_factory is None and settings is None:
            from gui.sessions import settings_of

            self.controls.show_settings(settings_of(session))

        self.timer = QtCore.QTimer(self, interval=poll_ms)
        self.timer.timeout.connect(self.poll)
        self._jobs_done: queue.Queue = queue.Queue()  # (done callback, result, error) of background jobs
        self._jobs_pending = 0
        self._job_timer = QtCore.QTimer(self, interval=25)
        self._job_timer.timeout.connect(self._collect_jobs)
        self._error_timer = QtCore.QTimer(self, singleShot=True, interval=8000)
        self._error_timer.timeout.connect(lambda: self.statusBar().setStyleSheet(""))

    # -- session control ------------------------------------------------------------------
    def start(self) -> bool:
        """Start the link.

        With a factory, a fresh session is built from the controls' settings in a background
        thread (loading a model takes seconds; the window stays live) and started when ready;
        ``building`` is True meanwhile. Without one, ``session`` is started at once. Returns
        False (and says why in the status bar) when there is nothing to start or it fails at once.
        """
        if self.building:  # a Stop during the build is taken back
            self._discard_build = False
            return True
        if self.running or self.stopping:
            return self.running
        self.last_error = None
        if self.session_factory is not None:
            self.building = True
            self._discard_build = False
            self.controls.start_button.setEnabled(False)
            self.statusBar().showMessage("starting: loading the model and the radio …")
            settings = self.controls.settings()
            self._in_background(lambda: self.session_factory(settings), self._built)
            return True
        return self._start_session()

    def _built(self, session, error: str | None) -> None:
        self.building = False
        if error is not None:
            self.show_error(error)
            self.controls.set_running(False)
            return
        if self._discard_build:  # stopped or closed while it was being built: release its devices
            self._discard_build = False
            self._in_background(session.stop, lambda _r, _e: None)
            self.controls.set_running(False)
            return
        self.session = session
        self.reset()
        self._start_session()

    def _start_session(self) -> bool:
        if self.session is None:
            self.show_error("no link session to start")
            return False
        try:
            self.session.start()
        except ProjectError as e:
            self.show_error(str(e))
            self.controls.set_running(False)
            return False
        self.running = True
        self.frames_received = 0
        self.controls.set_running(True)
        self.timer.start()
        self.statusBar().showMessage("running", 3000)
        return True

    def _in_background(self, fn, done) -> threading.Thread:
        """Run ``fn()`` in a daemon thread; ``done(result, error message or None)`` runs in the GUI thread.

        The thread only puts its outcome on a queue that a GUI-thread timer drains: no Qt call
        ever happens outside the GUI thread.
        """
        def work():
            try:
                result, error = fn(), None
            except ProjectError as e:
                result, error = None, str(e)
            except Exception as e:  # noqa: BLE001 - a bug, said on one line like the CLI does
                result, error = None, f"internal error: {type(e).__name__}: {e}"
            self._jobs_done.put((done, result, error))

        self._jobs_pending += 1
        self._job_timer.start()
        thread = threading.Thread(target=work, name="gui-background", daemon=True)
        thread.start()
        return thread

    def _collect_jobs(self) -> None:
        while True:
            try:
                done, result, error = self._jobs_done.get_nowait()
            except queue.Empty:
                break
            self._jobs_pending -= 1
            done(result, error)
        if self._jobs_pending == 0:
            self._job_timer.stop()

    def stop(self, message: str = "stopped", wait: bool = True) -> None:
        """Stop the session (its threads are joined) and show what it still delivered.

        wait=False (the Stop button) joins the threads in the background, so a worker finishing
        a long encode does not freeze the window; ``stopping`` is True meanwhile. A worker's
        error, which ``LinkSession.stop()`` re-raises, is shown in the status bar.
        """
        self.timer.stop()
        if self.building:
            self._discard_build = True
        was_running, self.running = self.running, False
        if self.session is None or not was_running:
            self._stopped(None, message)
            return
        session = self.session
        if wait:
            self._stopped(_stop_session(session), message)
            return
        self.stopping = True
        self.controls.start_button.setEnabled(False)
        self.controls.stop_button.setEnabled(False)
        self.statusBar().showMessage("stopping …")
        self._stop_thread = self._in_background(lambda: _stop_session(session),
                                                lambda error, _e: self._stopped(error, message))

    def _stopped(self, error: str | None, message: str) -> None:
        self.stopping = False
        if self.session is not None:
            self._drain(force_plots=True)
        if error is not None:
            self.show_error(f"link stopped: {error}")
        elif message:
            self.statusBar().showMessage(message, 5000)
        self.controls.set_running(False)
        if self.session is not None and self.session_factory is None:
            # A LinkSession runs once; only a factory can make the next one.
            self.controls.start_button.setEnabled(False)
            self.controls.start_button.setToolTip("this window was given one session; run the command again")

    def apply_channel(self, channel: dict) -> None:
        """Hand live channel settings to a loopback session (``set_channel``)."""
        if self.session is None or not self.running or self.controls.settings().source != "loopback":
            return  # before Start the sliders' values go into the new session's settings
        try:
            self.session.set_channel(**channel)
        except ProjectError as e:
            self.show_error(str(e))

    def apply_target(self, target: dict) -> None:
        """Hand the model / target CBR to the running encoder (``set_target``, which loads a model:
        done in the background; it takes effect at the next I-frame)."""
        if self.session is None or not self.running:
            return
        session = self.session
        self.statusBar().showMessage("switching the model at the next I-frame …", 3000)
        self._in_background(lambda: session.set_target(**target),
                            lambda _r, error: error is not None and self.show_error(error))

    def apply_radio(self, radio: dict) -> None:
        """Retune the running board (LO, gains) in the background; a refused value is said."""
        if self.session is None or not self.running:
            return
        from dvst.link.devices import set_radio

        session = self.session
        self._in_background(lambda: set_radio(session, **radio),
                            lambda _r, error: error is not None and self.show_error(error))

    def start_recording(self, path: str) -> bool:
        if self.session is None or not self.running:
            self.show_error("start the link before recording")
            return False
        try:
            self.session.start_recording(path)
        except ProjectError as e:
            self.show_error(str(e))
            return False
        self.statusBar().showMessage(f"recording to {path}")
        return True

    def stop_recording(self) -> None:
        if self.session is not None:
            self.session.stop_recording()
        self.statusBar().showMessage("recording stopped", 3000)

    def _record_toggled(self, on: bool) -> None:
        if not on:
            self.stop_recording()
            return
        default = time.strftime("dvst-%Y%m%d-%H%M%S.sigmf-meta")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Record to SigMF", default,
                                                        "SigMF (*.sigmf-meta)")
        if not (path and self.start_recording(path)):
            self.controls.record_button.blockSignals(True)
            self.controls.record_button.setChecked(False)
            self.controls.record_button.blockSignals(False)

    # -- display ----------------------------------------------------------------------------
    def poll(self) -> int:
        """Drain the stats queue (never blocking) and redraw; returns how many frames arrived.

        When every worker has finished (a stream that ended, or a worker that failed), the
        session is stopped so its error, if any, is shown.
        """
        n = self._drain()
        if self.running and self.session.wait(0):
            self.stop("stream ended")
        return n

    def _drain(self, force_plots: bool = False) -> int:
        if self.session is None:
            return 0
        newest = None
        n = 0
        while n < self.max_per_poll:
            try:
                stats = self.session.stats.get_nowait()
            except queue.Empty:
                break
            self.append(stats)
            newest = stats
            n += 1
        self.frames_received += n
        due = force_plots or time.monotonic() - self._plotted_at >= self.plot_ms / 1000
        if newest is not None:
            self.show_stats(newest, plots=due)
        elif due and self._plots_stale and self.last_stats is not None:
            self._show_plots(self.last_stats)
        return n

    def append(self, stats) -> None:
        """Every frame: a point on each history, a line on the waterfall."""
        self.history.append(stats)
        self.spectrum.append(stats)

    def show_stats(self, stats, plots: bool = True) -> None:
        """Draw ``stats`` (the newest frame): pictures and status, and the plots if ``plots``."""
        for panel in self.panels:
            panel.show_stats(stats)
        if plots:
            self._show_plots(stats)
        else:
            self._plots_stale = True
        self.last_stats = stats
        self.frames_shown += 1
        self.frameShown.emit(stats)

    def _show_plots(self, stats) -> None:
        for panel in self.plot_panels:
            panel.show_stats(stats)
        self._plotted_at = time.monotonic()
        self._plots_stale = False

    def reset(self) -> None:
        """Empty every panel (a new session starts)."""
        for panel in self.panels + self.plot_panels:
            panel.reset()
        self.last_stats = None

    def show_error(self, message: str) -> None:
        """Say what went wrong in the status bar (in red, for a while); kept in ``last_error``."""
        self.last_error = message
        self.statusBar().setStyleSheet(f"color: {theme.CONCEALED};")
        self.statusBar().showMessage(message)
        self._error_timer.start()  # back to the plain colour after a while

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._stop_thread is not None:
            self._stop_thread.join()  # a Stop already under way: its threads are joined first
        self.stop()
        super().closeEvent(event)
        self.closed.emit()


def _stop_session(session) -> str | None:
    """``session.stop()``; → the error a worker died of (one line), or None."""
    try:
        session.stop()
    except ProjectError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - a worker's bug: said, and the window lives on
        return f"{type(e).__name__}: {e}"
    return None
