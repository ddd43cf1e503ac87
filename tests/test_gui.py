"""The GUI with synthetic FrameStats and a scripted session: display transforms, panels, controls, close.

The real loopback session is exercised in tests/test_gui_loopback.py.
"""

import queue
import threading
import time

import numpy as np
import pytest

from dvst.link.link_config import LinkConfig
from foundation.errors import ProjectError
from gui.bench import synthetic_stats
from gui.display import History, Waterfall, psd_dbfs

pytestmark = pytest.mark.gui

RATE = 2e6


def make_stats(i: int, concealed: int = 0):
    return synthetic_stats(i, sample_rate=RATE, concealed=concealed)


class ScriptedSession:
    """LinkSession's interface with one worker thread that puts ``n`` synthetic frames on ``stats``."""

    device_name = "loopback (scripted)"

    def __init__(self, n: int = 5, ends: bool = False, error: Exception | None = None):
        self.n, self.ends, self.error = n, ends, error
        self.snr_set_db = 12.5
        self.stats = queue.Queue(maxsize=64)
        self.channel_calls: list[dict] = []
        self.target_calls: list[dict] = []
        self.recording: str | None = None
        self.thread: threading.Thread | None = None
        self._halt = threading.Event()
        self.stopped = False

    def start(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for i in range(self.n):
            if self._halt.wait(0.005):
                return
            self.stats.put(make_stats(i))
        if not (self.ends or self.error):
            self._halt.wait()  # a live link keeps running until stopped

    def wait(self, timeout=None):
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def stop(self):
        self._halt.set()
        if self.thread is not None:
            self.thread.join()
        self.stopped = True
        if self.error is not None:
            raise self.error

    def set_channel(self, **kw):
        self.channel_calls.append(kw)

    def set_target(self, model=None, cbr=None):
        self.target_calls.append({"model": model, "cbr": cbr})

    def start_recording(self, path):
        self.recording = str(path)

    def stop_recording(self):
        self.recording = None


# -- display transforms (no Qt) -------------------------------------------------------------

def test_psd_puts_a_tone_in_the_right_bin_at_the_right_level():
    n = np.arange(8192)
    tone = np.exp(2j * np.pi * 0.25 * n)  # full-scale tone at fs/4
    freqs, psd = psd_dbfs(tone, RATE, nfft=256)
    assert freqs[np.argmax(psd)] == pytest.approx(RATE / 4)
    assert freqs[0] == -RATE / 2 and freqs.size == psd.size == 256
    # Integrated over the band, power 1 → 0 dBFS (Hann leakage stays within the band).
    total = np.sum(10 ** (psd / 10)) * RATE / 256
    assert 10 * np.log10(total) == pytest.approx(0.0, abs=0.1)
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(8192) + 1j * rng.standard_normal(8192)
    _, psd_noise = psd_dbfs(noise / np.sqrt(2) * 0.1, RATE, nfft=256)  # power 0.01 spread over fs
    assert np.median(psd_noise) == pytest.approx(-20 - 10 * np.log10(RATE), abs=1.0)


def test_history_keeps_the_newest_in_order_and_gaps_for_none():
    h = History(("a", "b"), length=4)
    for i in range(6):
        h.append(i, a=float(i), b=None if i == 5 else float("inf") if i == 4 else 1.0)
    assert list(h.x) == [2, 3, 4, 5] and list(h.trace("a")) == [2, 3, 4, 5]
    b = h.trace("b")
    assert b[0] == 1.0 and np.isnan(b[2]) and np.isnan(b[3])
    with pytest.raises(KeyError):
        h.append(7, c=1.0)


def test_waterfall_scrolls_newest_to_the_bottom():
    w = Waterfall(nfft=8, rows=3)
    w.push(np.full(8, -50.0))
    w.push(np.arange(8.0))
    assert np.all(w.image[-1] == np.arange(8.0)) and np.all(w.image[:2] == -50.0)
    assert w.levels() == (-53.0, 9.0)  # floor of the lines pushed (not of the empty rows) to the peak
    w.push(np.full(8, -50.0))
    w.push(np.full(8, -50.0))
    assert w.levels() == (-53.0, 9.0)
    quiet = Waterfall(nfft=8, rows=3)
    quiet.push(np.full(8, -100.0))
    assert quiet.levels() == (-103.0, -78.0)  # noise alone sits low on the colour scale
    with pytest.raises(ValueError):
        w.push(np.zeros(4))


# -- the window -----------------------------------------------------------------------------

@pytest.fixture
def window(qtbot):
    from gui.window import MainWindow

    session = ScriptedSession(n=5)
    win = MainWindow(session=session, poll_ms=10, plot_ms=0)
    qtbot.addWidget(win)
    yield win
    win.close()


def test_window_builds_with_every_panel(window):
    assert window.windowTitle() == "DVST over the air"
    assert window.frames_shown == 0
    # Given a built session, the controls show what it runs with (its set SNR, its source).
    assert window.controls.snr.value() == 12.5 and window.controls.snr.label.text() == "12.5 dB"
    assert window.controls.settings().source == "loopback" and window.controls.channel_box.isEnabled()
    c = window.controls
    assert c.start_button.isEnabled() and not c.stop_button.isEnabled() and not c.record_button.isEnabled()
    assert set(window.history.curves) == set(window.history.TRACES)
    assert set(window.constellation.scatters) == {"payload", "pilots", "header"}


def test_frames_update_every_panel(window, qtbot):
    assert window.start()
    qtbot.waitUntil(lambda: window.history.history.x.size == 5, timeout=5000)
    last = window.last_stats
    assert last.index == 4
    # Images: the newest original and reconstruction, exactly.
    assert np.array_equal(window.frames.original_item.image, last.original)
    assert np.array_equal(window.frames.reconstruction_item.image, last.reconstruction)
    assert "PSNR 34.00 dB" in window.frames.reconstruction_caption.text()
    assert "MS-SSIM 18.00 dB" in window.frames.reconstruction_caption.text()
    assert "frame 4 (I)" in window.frames.original_caption.text()  # GOP 4: frame 4 is an I-frame
    # Histories: every frame, not just the ones redrawn.
    x, y = window.history.curves["psnr_db"].getData()
    assert list(x) == [0, 1, 2, 3, 4] and list(y) == [30, 31, 32, 33, 34]
    _, snr_set = window.history.curves["snr_set_db"].getData()
    assert np.all(snr_set == 15.0)
    for name in window.history.TRACES:
        assert window.history.curves[name].getData()[0].size == 5, name
    # Constellations, each set with its own points.
    for name in ("payload", "pilots", "header"):
        xs, ys = window.constellation.scatters[name].getData()
        assert np.allclose(xs + 1j * ys, last.constellation[name]), name
    # Channel magnitude in dB per used subcarrier.
    cx, cy = window.channel.curve.getData()
    assert cx.size == 104 and cy[0] == pytest.approx(20 * np.log10(0.5), abs=1e-4)
    # PSD peak at the tone (fs/8 → 0.25 MHz), waterfall filled with one line per frame drawn.
    fx, fy = window.spectrum.psd_curve.getData()
    assert fx[np.argmax(fy)] == pytest.approx(0.25, abs=RATE / 256 / 1e6)
    assert window.spectrum.waterfall.count == 5  # one line per frame, drawn or not
    assert np.array_equal(window.spectrum.waterfall_item.image[-1], window.spectrum.waterfall.image[-1])
    # Status labels.
    v = window.status.values
    assert v["cfo"].text() == "+123.4 Hz" and v["sfo"].text() == "-1.50 ppm"
    assert v["fps"].text() == "25.0 fps" and v["latency"].text() == "42 ms"
    assert v["device"].text() == "loopback" and v["model"].text() == "small"
    assert "set 15.0 dB" in v["snr"].text() and v["timing"].text().startswith("4000 ")


def _points(curve) -> int:
    x = curve.getData()[0]
    return 0 if x is None else x.size


def test_plots_are_redrawn_at_their_own_slower_rate(qtbot):
    from gui.window import MainWindow

    win = MainWindow(session=ScriptedSession(n=3), poll_ms=10, plot_ms=60_000)
    qtbot.addWidget(win)
    win._plotted_at = time.monotonic()  # as if the plots had just been drawn
    win.start()
    qtbot.waitUntil(lambda: win.last_stats is not None and win.last_stats.index == 2, timeout=5000)
    assert np.array_equal(win.frames.reconstruction_item.image, win.last_stats.reconstruction)
    assert _points(win.history.curves["psnr_db"]) == 0
    assert win.spectrum.waterfall.count == 3  # every frame still reaches the waterfall
    win.plot_ms = 0
    qtbot.waitUntil(lambda: _points(win.history.curves["psnr_db"]) == 3, timeout=2000)
    win.close()


def test_concealed_frame_and_missing_reference_are_said(qtbot):
    from gui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    s = make_stats(3, concealed=2)
    s.status, s.reason, s.original, s.psnr_db, s.msssim_db = "concealed", "missing burst", None, None, None
    win.append(s)
    win.show_stats(s)
    assert "CONCEALED (missing burst)" in win.frames.reconstruction_caption.text()
    assert "no reference" in win.frames.original_caption.text()
    assert win.frames.original_item.image is None
    assert "PSNR — " in win.frames.reconstruction_caption.text()
    assert win.status.values["concealed"].text() == "2"
    assert np.isnan(win.history.history.trace("psnr_db")[-1])
    # A frame lost on the air carries no burst: the radio panels keep the last one received.
    lost = make_stats(4, concealed=3)
    lost.status, lost.constellation, lost.channel_mag, lost.rx_snippet = "concealed", {}, None, None
    lost.cfo_hz = lost.sfo_ppm = lost.timing = lost.snr_measured_db = None
    win.append(lost)
    win.show_stats(lost)
    xs, ys = win.constellation.scatters["pilots"].getData()
    assert np.allclose(xs + 1j * ys, s.constellation["pilots"])
    assert win.channel.curve.getData()[0].size == s.channel_mag.size
    assert win.status.values["cfo"].text() == "—"  # the status speaks of this frame only


def test_channel_controls_reach_the_session(window, qtbot):
    window.start()
    c = window.controls
    c.snr.setValue(3.5)
    c.cfo.setValue(-2.0)
    c.multipath.setCurrentIndex(c.multipath.findData("eva"))
    qtbot.waitUntil(lambda: len(window.session.channel_calls) > 0, timeout=2000)
    qtbot.wait(200)  # debounced: the three changes arrive as one call
    assert window.session.channel_calls[-1] == {"snr_db": 3.5, "cfo_ppm": -2.0, "sfo_ppm": c.sfo.value(),
                                                "multipath": "eva"}
    assert len(window.session.channel_calls) == 1
    window.controls.cbr.setValue(0.05)
    window.controls.cbr.editingFinished.emit()
    assert window.session.target_calls[-1] == {"model": None, "cbr": 0.05}


def test_record_and_stop_and_restart(window, qtbot, tmp_path):
    assert not window.start_recording(str(tmp_path / "x.sigmf-meta"))  # not running yet
    window.start()
    assert window.start_recording(str(tmp_path / "x.sigmf-meta"))
    assert window.session.recording.endswith("x.sigmf-meta")
    window.stop_recording()
    assert window.session.recording is None
    window.stop()
    assert window.session.stopped and not window.session.thread.is_alive()
    assert not window.controls.stop_button.isEnabled() and not window.controls.record_button.isEnabled()
    # Given one session and no factory, the window cannot start another.
    assert not window.controls.start_button.isEnabled()


def test_closing_stops_the_workers(qtbot):
    from gui.window import MainWindow

    session = ScriptedSession(n=2)
    win = MainWindow(session=session, poll_ms=10)
    qtbot.addWidget(win)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: win.frames_shown > 0, timeout=5000)
    assert session.thread.is_alive()
    win.close()
    assert session.stopped and not session.thread.is_alive()
    assert not win.timer.isActive()


def test_factory_errors_are_shown_not_raised(qtbot):
    from gui.settings import LinkSettings
    from gui.window import MainWindow

    def factory(settings: LinkSettings):
        raise ProjectError(f"no PlutoSDR at {settings.link.uri}")

    settings = LinkSettings(source="pluto", link=LinkConfig(uri="ip:10.9.9.9"))
    win = MainWindow(session_factory=factory, settings=settings)
    qtbot.addWidget(win)
    win.start()  # built in the background: the error arrives a moment later
    qtbot.waitUntil(lambda: not win.building, timeout=5000)
    assert win.statusBar().currentMessage() == "no PlutoSDR at ip:10.9.9.9" == win.last_error
    assert not win.running and win.controls.start_button.isEnabled()


def test_scenario_sets_the_offsets_and_settings_carry_the_controls(qtbot):
    from dvst.link.catalog import scenario_defaults
    from gui.settings import LinkSettings
    from gui.window import MainWindow

    win = MainWindow(settings=LinkSettings(link=LinkConfig(channel="awgn", snr_db=7.0)))
    qtbot.addWidget(win)
    c = win.controls
    assert c.snr.value() == 7.0 and c.cfo.value() == 0.0 and c.multipath.currentData() == "none"
    assert c.settings().multipath is False  # "none" reaches set_channel as False (None: leave it)
    c.scenario.setCurrentIndex(c.scenario.findData("two-plutos-bench"))
    bench = scenario_defaults("two-plutos-bench")
    assert c.cfo.value() == pytest.approx(bench["cfo_ppm"], abs=0.25)
    assert c.multipath.currentData() == bench["multipath"]
    assert c.settings().link.lo_hz is None  # loopback: the radio profile's LO and gains stand
    assert c.lo.value() == 2400.0 and c.rx_gain.value() == 40  # shown from radio/profiles/default.yaml
    c.source.setCurrentIndex(c.source.findData("pluto"))
    c.lo.setValue(915.0)
    c.rx_gain.setValue(20)
    s = c.settings()
    assert s.source == "pluto" and s.link.lo_hz == 915e6 and s.link.rx_gain_db == 20
    assert s.link.channel == "two-plutos-bench" and s.link.snr_db == 7.0
    assert c.pluto_box.isEnabled() and not c.channel_box.isEnabled()


def test_a_stream_that_ends_or_fails_stops_the_window(qtbot):
    from gui.window import MainWindow

    win = MainWindow(session=ScriptedSession(n=3, ends=True), poll_ms=10)
    qtbot.addWidget(win)
    win.start()
    qtbot.waitUntil(lambda: not win.running, timeout=5000)
    assert win.last_stats.index == 2
    assert win.statusBar().currentMessage() == "stream ended"
    win = MainWindow(session=ScriptedSession(n=1, error=ProjectError("receiver lost the board")), poll_ms=10)
    qtbot.addWidget(win)
    win.start()
    qtbot.waitUntil(lambda: not win.running, timeout=5000)
    assert win.statusBar().currentMessage() == "link stopped: receiver lost the board"


def test_a_new_session_from_the_factory_resets_the_panels_but_keeps_them_drawable(qtbot):
    from gui.window import MainWindow

    sessions = []

    def factory(settings):
        sessions.append(ScriptedSession(n=2))
        return sessions[-1]

    win = MainWindow(session_factory=factory, poll_ms=10, plot_ms=0)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    for _ in range(2):
        assert win.start()
        assert win.building  # the factory runs in the background; the window stays live
        qtbot.waitUntil(lambda: win.running and win.last_stats is not None and win.last_stats.index == 1,
                        timeout=5000)
        win.stop()
        assert len(win.history.history) == 2  # the second run starts from an empty history
        # Every plot is still in its scene (GraphicsLayoutWidget.clear() would have removed them).
        for panel in win.plot_panels:
            assert panel.ci.items, type(panel).__name__
        picture = win.channel.grab().toImage()
        colours = {picture.pixel(x, y) for x in range(0, picture.width(), 7)
                   for y in range(0, picture.height(), 7)}
        assert len(colours) > 3, "the channel panel painted nothing"
    assert len(sessions) == 2 and all(s.stopped for s in sessions)


def test_stop_while_the_session_is_being_built_discards_it(qtbot):
    from gui.window import MainWindow

    gate, built = threading.Event(), []

    def slow_factory(settings):
        gate.wait(5)
        built.append(ScriptedSession(n=2))
        return built[-1]

    win = MainWindow(session_factory=slow_factory, poll_ms=10)
    qtbot.addWidget(win)
    win.start()
    win.stop()
    gate.set()
    qtbot.waitUntil(lambda: not win.building and built and built[0].stopped, timeout=5000)
    assert not win.running and win.session is None and win.controls.start_button.isEnabled()


def test_run_gui_shows_a_session_until_the_window_is_closed(qtbot):
    from PySide6 import QtCore, QtWidgets

    from gui.app import run_gui
    from gui.window import MainWindow

    session = ScriptedSession(n=3)
    deadline = time.monotonic() + 20

    def close_when_shown():
        for w in QtWidgets.QApplication.topLevelWidgets():
            shown = w.frames_received >= 3 if isinstance(w, MainWindow) else False
            if isinstance(w, MainWindow) and w.isVisible() and (shown or time.monotonic() > deadline):
                w.close()
                return
        QtCore.QTimer.singleShot(20, close_when_shown)

    QtCore.QTimer.singleShot(20, close_when_shown)
    assert run_gui(session, title="dvst loopback") == 0
    assert session.stopped and not session.thread.is_alive()


def test_no_display_is_a_one_line_error(monkeypatch):
    from gui.app import application

    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ProjectError, match="no display .* --screenshot"):
        application()


def test_missing_x11_libraries_are_named_not_a_qt_abort(monkeypatch):
    import ctypes.util

    from gui.app import application

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(ctypes.util, "find_library",
                        lambda name: None if name == "xcb-cursor" else f"lib{name}.so")
    with pytest.raises(ProjectError, match="needs libxcb-cursor0: apt-get install libxcb-cursor0"):
        application()


def _dvst_gui(*argv):
    """``dvst gui ARGS`` through the command module (the same parser the CLI builds)."""
    import argparse

    from gui import command

    parser = argparse.ArgumentParser(prog="dvst")
    command.register(parser.add_subparsers())
    args = parser.parse_args(["gui", *argv])
    return args.func(args)


def test_screenshot_flags_are_checked_before_anything_runs(tmp_path):
    with pytest.raises(SystemExit):   # refused by the parser: --screenshot takes a .png
        _dvst_gui("--screenshot", str(tmp_path / "w.jpg"), "--frames", "2")
    with pytest.raises(ProjectError, match="frames must be >= 1"):
        _dvst_gui("--screenshot", str(tmp_path / "w.png"), "--frames", "0")
    with pytest.raises(ProjectError, match="choose a SigMF recording"):
        _dvst_gui("--source", "replay", "--screenshot", str(tmp_path / "w.png"), "--frames", "1")
    assert not (tmp_path / "w.png").exists()
    from PySide6 import QtWidgets

    from gui.window import MainWindow

    left_open = [w for w in QtWidgets.QApplication.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible()]
    assert not left_open  # a failed screenshot closes its window too


def test_screenshot_of_a_scripted_session_with_a_palette(tmp_path):
    from PIL import Image

    from gui import theme
    from gui.app import screenshot

    session = ScriptedSession(n=4)
    out = tmp_path / "w.png"
    result = screenshot(out, 4, session=session, size=(1200, 800), colors=64)
    assert result["frames"] == 4 and result["last_index"] == 3 and session.stopped
    image = Image.open(out)
    assert image.mode == "P" and image.size == (1200, 800)
    used = {bytes(c) for _, c in image.convert("RGB").getcolors(1 << 16)}
    for colour in (theme.BACKGROUND, theme.PSNR, theme.PAYLOAD):  # kept exact: titles are legends
        assert bytes.fromhex(colour.lstrip("#")) in used, colour


def test_retuning_a_session_without_a_radio_is_said(window, qtbot):
    c = window.controls
    c.source.setCurrentIndex(c.source.findData("pluto"))
    window.start()
    c.rx_gain.setValue(12)
    c.rx_gain.editingFinished.emit()
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=5000)
    assert window.last_error == "this session has no radio to tune"


def test_ctrl_c_in_the_terminal_closes_the_window_and_stops_the_link(qtbot):
    import signal

    from PySide6 import QtCore

    from gui.app import run_gui

    session = ScriptedSession(n=2, ends=True)  # the stream ends: the window idles until Ctrl-C
    before = signal.getsignal(signal.SIGINT)
    QtCore.QTimer.singleShot(800, lambda: signal.raise_signal(signal.SIGINT))
    assert run_gui(session) == 0
    assert session.stopped and signal.getsignal(signal.SIGINT) is before


def test_the_stop_button_joins_the_workers_without_freezing_the_window(qtbot):
    from PySide6 import QtCore

    from gui.window import MainWindow

    class SlowToStop(ScriptedSession):
        def stop(self):
            time.sleep(0.5)  # a worker finishing a long encode
            super().stop()

    session = SlowToStop(n=2)
    win = MainWindow(session=session, poll_ms=10)
    qtbot.addWidget(win)
    win.start()
    qtbot.waitUntil(lambda: win.frames_received == 2, timeout=5000)
    t0 = time.monotonic()
    qtbot.mouseClick(win.controls.stop_button, QtCore.Qt.MouseButton.LeftButton)
    assert time.monotonic() - t0 < 0.3 and win.stopping and not session.stopped
    qtbot.waitUntil(lambda: not win.stopping, timeout=5000)
    assert session.stopped and not session.thread.is_alive()
    assert win.statusBar().currentMessage() == "stopped"
