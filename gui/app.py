"""Entry points: show a session in the window (``run_gui``), or run it headless to a PNG (``screenshot``).

``run_gui(session)`` is what ``dvst loopback --gui`` and ``dvst rx --gui`` call with the
``LinkSession`` they built; ``dvst gui`` builds sessions itself through a factory.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from dvst.errors import DvstError
from foundation.errors import ParameterError
from gui import theme
from gui.settings import LinkSettings

# Qt's X11 plugin needs these beyond what PySide6's wheel ships; without them Qt aborts the
# process (not an exception), so they are looked for first. Debian package names.
XCB_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4",
                 "xcb-keysyms": "libxcb-keysyms1"}


def application():
    """The process's QApplication (created on first use).

    Without a display, or on X11 without the libraries Qt's xcb plugin loads, a one-line
    DvstError instead of Qt's abort.
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if sys.platform.startswith("linux") and platform in ("", "xcb"):
        if not platform and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise DvstError("no display for the window (DISPLAY is not set); "
                            "use --screenshot FILE to run headless")
        if platform == "xcb" or not os.environ.get("WAYLAND_DISPLAY"):
            import ctypes.util

            missing = [deb for lib, deb in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
            if missing:
                raise DvstError(f"Qt's X11 platform needs {', '.join(missing)}: apt-get install "
                                f"{' '.join(missing)} (or use --screenshot FILE to run headless)")
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(["dvst"])
        app.setApplicationName("dvst")
    return app


def run_gui(session=None, *, session_factory=None, settings: LinkSettings | None = None,
            models: list[str] | None = None, start: bool = True, title: str | None = None) -> int:
    """Show the window on ``session`` (a LinkSession, not yet started) until the user closes it.

    start: start the session at once (Start/Stop in the window control it afterwards).
    session_factory / settings / models: see ``gui.window.MainWindow``.
    Closing the window stops the session and joins its threads. Returns the exit status (0).
    """
    from gui.window import MainWindow

    application()
    window = MainWindow(session=session, session_factory=session_factory, settings=settings, models=models)
    if title:
        window.setWindowTitle(title)
    window.show()
    if start:
        window.start()
    # Ctrl-C in the terminal closes the window (and so stops the link) instead of being lost
    # in Qt's event loop; a timer gives Python the moments to notice it even when all is idle.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    from PySide6 import QtCore

    wake = QtCore.QTimer(window, interval=200)
    wake.timeout.connect(lambda: None)
    wake.start()
    loop = QtCore.QEventLoop()  # runs until this window closes, whatever other windows exist
    window.closed.connect(loop.quit)
    try:
        loop.exec()
    finally:
        window.stop()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return 0


def screenshot(path: str | os.PathLike, frames: int, session=None, *, session_factory=None,
               settings: LinkSettings | None = None, timeout_s: float = 120.0,
               size: tuple[int, int] = (1600, 1000), colors: int | None = None) -> dict:
    """Run the window headless until ``frames`` frames were received, then save it as PNG.

    A stream that ends earlier is shown as it ended. The session is stopped (threads joined)
    before returning. Raises DvstError if the link stops with an error, delivers no frame, or
    delivers fewer than ``frames`` within ``timeout_s`` seconds.
    colors: quantise the PNG to this many colours (2..256: the theme's colours exact, median cut
    for the rest, no dithering; about a third of the size, for documentation); None keeps true colour.
    Returns {"path", "frames", "seconds", "last_index"}.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui.window import MainWindow

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ParameterError("screenshot", f"screenshot writes a PNG, got {path.name!r}")
    if frames < 1:
        raise ParameterError("frames", f"frames must be at least 1, got {frames}")
    if colors is not None and not 2 <= colors <= 256:
        raise ParameterError("png_colors", f"png_colors must be in 2 .. 256, got {colors}")
    app = application()
    window = MainWindow(session=session, session_factory=session_factory, settings=settings)
    window.resize(*size)
    window.show()
    t0 = time.monotonic()
    try:
        return _run_to_picture(app, window, path, frames, timeout_s, colors, t0)
    finally:
        window.close()


def _run_to_picture(app, window, path: Path, frames: int, timeout_s: float, colors, t0: float) -> dict:
    try:
        window.start()
        # The window's own timer drains the stats; this loop only waits (a stream that ends or a
        # worker that fails stops the window: running and building both turn False).
        while window.frames_received < frames and (window.running or window.building):
            if time.monotonic() - t0 > timeout_s:
                raise DvstError(f"only {window.frames_received} of {frames} frames arrived "
                                f"in {timeout_s:.0f} s")
            app.processEvents()
            time.sleep(0.005)
    finally:
        window.stop()
    received = window.frames_received
    if window.last_error:
        raise DvstError(window.last_error)
    if received == 0:
        raise DvstError("the link ended before any frame arrived")
    app.processEvents()
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    _save_png(window.grab().toImage(), path, colors)
    seconds = time.monotonic() - t0
    last = window.last_stats.index if window.last_stats is not None else None
    return {"path": str(path), "frames": received, "seconds": seconds, "last_index": last}


def _save_png(image, path: Path, colors: int | None) -> None:
    """Write a QImage as PNG, optionally palettised to ``colors`` colours (PIL's median cut)."""
    if colors is None:
        if not image.save(str(path), "PNG"):
            raise DvstError(f"cannot write {path}")
        return
    import numpy as np
    from PIL import Image
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    pixels = np.frombuffer(rgb.constBits(), np.uint8, stride * h).reshape(h, stride)[:, : 3 * w]
    picture = Image.fromarray(pixels.reshape(h, w, 3).copy(), "RGB")
    # The trace colours carry meaning (a title is its plot's legend): keep them exact, and let
    # median cut choose the rest of the palette for the pictures.
    keep = [bytes.fromhex(c.lstrip("#")) for c in theme.PALETTE]
    adaptive = picture.quantize(max(colors - len(keep), 2), method=Image.Quantize.MEDIANCUT)
    rest = adaptive.getpalette()[: 3 * (colors - len(keep))]
    palette = Image.new("P", (1, 1))
    palette.putpalette(b"".join(keep) + bytes(rest))
    try:
        picture.quantize(palette=palette, dither=Image.Dither.NONE).save(path, "PNG", optimize=True)
    except OSError as e:
        raise DvstError(f"cannot write {path}: {e.strerror or e}") from None
