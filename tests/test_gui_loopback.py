"""The window on real LinkSessions: codec, PHY and simulated Plutos (a loopback pair, or
PlutoDevice on a simulated adi.Pluto cabled to itself) in worker threads.

Small frames (128×96 demo clip) and a few frames keep it to seconds; the model is whatever
``dvst.link.codec.load_codec`` picks (the shipped one, or the untrained small model).
"""

import threading

import numpy as np
import pytest

from dvst.link.link_config import LinkConfig
from gui.settings import LinkSettings

pytestmark = pytest.mark.gui

FRAMES = 5


def _link_threads():
    return [t for t in threading.enumerate() if t.name.startswith("link-") and t.is_alive()]


@pytest.fixture
def settings():
    # More frames than the test waits for, paced at 25 fps: the stream is still running when the
    # controls are moved and the window is closed. AWGN keeps the receiver's job simple.
    return LinkSettings(source="loopback", input="demo",
                        link=LinkConfig(channel="awgn", snr_db=20.0, frames=500, size="128x96",
                                        msssim=True, seed=1))


def test_loopback_window_fills_steers_records_replays_and_joins_the_workers(qtbot, settings, tmp_path):
    from dvst.zoo import list_models
    from gui.sessions import build_session
    from gui.window import MainWindow

    models = [entry.name for entry in list_models()]
    win = MainWindow(session_factory=build_session, settings=settings, models=models, poll_ms=20, plot_ms=0)
    qtbot.addWidget(win)
    win.show()
    assert win.start()  # builds the session in the background
    qtbot.waitUntil(lambda: len(win.history.history) >= 3 or win.last_error is not None, timeout=60_000)
    assert win.last_error is None, win.last_error
    session = win.session
    assert _link_threads()  # the pipeline runs in worker threads, not in the window's

    # A control change reaches the simulator while it runs.
    win.controls.snr.setValue(4.0)
    win.controls.multipath.setCurrentIndex(win.controls.multipath.findData("epa"))
    air = session.tx_device.air_out  # the simulator between the two simulated Plutos
    qtbot.waitUntil(lambda: air.channel.config.snr_db == 4.0, timeout=5000)
    assert air.channel.config.multipath == "epa"
    assert session.snr_set_db == 4.0

    s = win.last_stats
    assert s.reconstruction.shape == (96, 128, 3)
    assert np.array_equal(win.frames.reconstruction_item.image, s.reconstruction)
    assert np.array_equal(win.frames.original_item.image, s.original)
    caption = win.frames.reconstruction_caption.text()
    assert "PSNR" in caption and "MS-SSIM" in caption
    x, psnr = win.history.curves["psnr_db"].getData()
    assert x.size == len(win.history.history) >= 3 and np.all(np.isfinite(psnr))
    _, snr = win.history.curves["snr_measured_db"].getData()
    assert np.nanmax(snr) > 5.0  # the receiver's estimate, from the radio
    _, snr_set = win.history.curves["snr_set_db"].getData()
    assert snr_set[0] == 20.0
    _, air = win.history.curves["air_cbr"].getData()
    _, payload = win.history.curves["payload_cbr"].getData()
    assert np.all(air > payload)  # preamble, CP, pilots and guards cost samples
    for name in ("payload", "pilots", "header"):
        xs, _ = win.constellation.scatters[name].getData()
        assert xs.size > 0, name
    cx, _ = win.channel.curve.getData()
    assert cx.size == s.channel_mag.size > 0
    fx, _ = win.spectrum.psd_curve.getData()
    assert fx.size == win.spectrum.nfft and win.spectrum.waterfall.count >= 3
    assert win.status.values["cfo"].text().endswith("Hz")
    assert win.status.values["device"].text().startswith("loopback")

    # Another model from the chooser: loaded in the background, in use from the next I-frame.
    if len(models) > 1:
        first_model = win.last_stats.model
        other = next(m for m in models if m != first_model)
        win.controls.model.setCurrentIndex(win.controls.model.findData(other))
        qtbot.waitUntil(lambda: win.last_stats.model == other or win.last_error is not None, timeout=60_000)
        assert win.last_error is None, win.last_error

    # Record what the receiver hears for ten frames (two GOPs and more: I-frames are in it).
    capture = tmp_path / "capture.sigmf-meta"
    assert win.start_recording(str(capture))
    first = win.frames_received
    qtbot.waitUntil(lambda: win.frames_received >= first + 10, timeout=60_000)
    win.stop_recording()
    recorded_with = win.last_stats.model
    assert capture.is_file() and capture.with_suffix(".sigmf-data").stat().st_size > 0

    win.close()  # mid-stream: every worker is stopped and joined
    assert not _link_threads() and session.wait(0)
    assert win.last_error is None, win.last_error
    assert not win.timer.isActive()

    # The recording replays through the window's third source, decoded by the same receiver.
    replay = MainWindow(session_factory=build_session, poll_ms=20, plot_ms=0,
                        settings=LinkSettings(source="replay", replay_path=str(capture),
                                              link=LinkConfig(msssim=False, seed=1, model=recorded_with)))
    qtbot.addWidget(replay)
    replay.start()
    qtbot.waitUntil(lambda: not (replay.running or replay.building), timeout=60_000)  # the recording ends
    assert replay.last_error is None, replay.last_error
    assert replay.frames_received >= 4 and replay.last_stats.reconstruction.shape == (96, 128, 3)
    assert replay.last_stats.original is None and "no reference" in replay.frames.original_caption.text()
    assert replay.status.values["device"].text().startswith("replay")


def test_pluto_source_retunes_the_board_live(qtbot):
    """Source PlutoSDR with a cable, on pyadi-iio's rules (``--device fake-pluto``)."""
    from gui.sessions import build_session
    from gui.window import MainWindow

    settings = LinkSettings(source="pluto", cable=True, input="demo",
                            link=LinkConfig(device="fake-pluto", uri="ip:192.168.2.1", channel="awgn",
                                            snr_db=20.0, frames=500, size="128x96", msssim=False, seed=2,
                                            rx_gain_db=40.0, tx_gain_db=-10.0))
    win = MainWindow(session_factory=build_session, settings=settings, poll_ms=20, plot_ms=0)
    qtbot.addWidget(win)
    assert win.start()
    qtbot.waitUntil(lambda: win.frames_received >= 1 or win.last_error is not None, timeout=60_000)
    assert win.last_error is None, win.last_error
    board = win.session.rx_device
    c = win.controls
    assert c.pluto_box.isEnabled() and not c.uri.isEnabled() and not c.channel_box.isEnabled()
    c.rx_gain.setValue(31)
    c.rx_gain.editingFinished.emit()
    c.tx_gain.setValue(-4.5)
    c.tx_gain.editingFinished.emit()
    qtbot.waitUntil(lambda: board.rx_hardwaregain_chan0 == 31 and board.tx_hardwaregain_chan0 == -4.5,
                    timeout=5000)
    c.lo.setValue(915.0)
    c.lo.editingFinished.emit()
    qtbot.waitUntil(lambda: board.rx_lo == board.tx_lo == 915_000_000, timeout=5000)
    c.rx_gain.setValue(80)  # beyond the spin box: clamped to the AD9361's 71 dB, never refused silently
    assert c.radio()["rx_gain_db"] == 71
    win.close()
    assert not _link_threads() and win.last_error is None, win.last_error


def test_a_session_built_by_a_command_shows_its_own_settings(qtbot, settings):
    """``dvst loopback --snr 7 --channel rayleigh --gui`` hands the window a built session."""
    from dvst.link.factory import loopback_session
    from gui.window import MainWindow

    cfg = LinkConfig(channel="rayleigh", snr_db=7.0, cfo_ppm=3.0, frames=2, size="128x96")
    session = loopback_session(cfg, "demo")
    win = MainWindow(session=session)
    qtbot.addWidget(win)
    c = win.controls
    assert c.settings().source == "loopback" and c.scenario.currentData() == "rayleigh"
    assert c.snr.value() == 7.0 and c.cfo.value() == 3.0 and c.multipath.currentData() == "eva"
    session.stop()


def test_screenshot_command_writes_a_png_of_a_real_session(tmp_path):
    from gui import command
    from gui.app import screenshot
    from gui.sessions import build_session

    out = tmp_path / "window.png"
    link = LinkConfig(channel="awgn", frames=3, size="128x96", msssim=False)
    result = screenshot(out, 3, session_factory=build_session, settings=LinkSettings(input="demo", link=link),
                        size=(1280, 800))
    assert result["frames"] == 3 and out.stat().st_size > 20_000
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert command.register  # the CLI wiring exists (dvst gui --screenshot FILE --frames N)
