"""The GUI's part of the ``dvst`` command: the ``dvst gui [INPUT]`` subcommand (the live window;
``--screenshot FILE.png --frames N`` runs it headless), and the window other commands open
on their session with ``--gui``/``--screenshot`` (``dvst.cli`` hands this module to them as
``args.viewer``, so the commands below the GUI never import it)."""

from __future__ import annotations

import os

from dvst.console import add_config_flag, output_path
from dvst.errors import DvstError
from dvst.link.link_config import add_link_flags, link_config
from foundation.errors import ProjectError


def register(sub) -> None:
    p = sub.add_parser(
        "gui", help="the live window: reconstruction, SNR, constellations, spectrum, controls",
        description="Open the DVST link monitor. The source is the simulated pair of Plutos (the "
                    "default), a PlutoSDR, a GNU Radio flowgraph (zmq), or a SigMF recording; "
                    "Start/Stop/Record and the live "
                    "channel controls are in the window. With --screenshot the window runs headless "
                    "for N frames and is saved as PNG.")
    p.add_argument("input", nargs="?", default=None, metavar="INPUT",
                   help="video to send (default: the demo clip); for pluto/replay the reference video")
    p.add_argument("--source", choices=("loopback", "pluto", "zmq", "replay"), default="loopback",
                   help="where the samples come from (default: loopback)")
    p.add_argument("--replay", metavar="FILE.sigmf-meta", default="", help="recording for --source replay")
    p.add_argument("--cable", action="store_true",
                   help="pluto: the one board also transmits INPUT (TX looped to RX by a cable)")
    p.add_argument("--multipath", metavar="PROFILE", default=None,
                   help="loopback: TDL profile (epa, eva, etu, indoor_a, indoor_b, flat) or 'none' "
                        "(default: the scenario's)")
    add_link_flags(p, "snr_db", "channel", "cfo_ppm", "sfo_ppm", "frames", "model", "cbr", "gop", "radio",
                   "seed", "size", "uri", "lo_hz", "tx_gain_db", "rx_gain_db", "calibration",
                   "tx_endpoint", "rx_endpoint", "zmq_pattern", "side_mcs")
    p.add_argument("--no-start", dest="start", action="store_false", help="open the window without starting")
    p.add_argument("--screenshot", metavar="FILE.png", type=output_path(".png"),
                   help="run headless until --frames frames were received, save the window as PNG, exit")
    p.add_argument("--png-colors", type=int, metavar="N",
                   help="with --screenshot: a palette of N colours (2..256), a smaller file for docs")
    add_config_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from gui.settings import LinkSettings

    cfg = link_config(args)
    multipath = None
    if args.multipath is not None:
        multipath = False if args.multipath.lower() == "none" else args.multipath
    settings = LinkSettings(source=args.source, input=args.input, replay_path=args.replay, cable=args.cable,
                            multipath=multipath, link=cfg)
    if args.screenshot:
        return _screenshot(args, settings)
    try:
        from gui.app import run_gui
        from gui.sessions import build_session
    except ImportError as e:
        raise DvstError(f"the GUI is not available: {e}") from None
    return run_gui(session_factory=build_session, settings=settings, models=_models(), start=args.start)


def _screenshot(args, settings) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui.app import screenshot
    from gui.sessions import build_session

    frames = settings.link.frames or 12
    if settings.source == "loopback" and settings.link.frames is None:
        settings.link.frames = frames  # the clip ends right after the frames the picture shows
    result = screenshot(args.screenshot, frames, session_factory=build_session, settings=settings,
                        colors=args.png_colors)
    print(f"wrote {result['path']}: {result['frames']} frames in {result['seconds']:.1f} s "
          f"(last frame {result['last_index']})")
    return 0


def _models() -> list[str]:
    """The zoo's model names for the model chooser (none when the zoo has no shipped weights)."""
    try:
        from dvst.zoo import list_models
    except ImportError:
        return []
    try:
        return [getattr(entry, "name", entry) for entry in list_models()]
    except ProjectError:
        return []


def show_session(session, title: str) -> dict:
    """``dvst loopback|rx --gui``: the window on ``session`` (built by the command) until it
    closes; → the session's summary()."""
    try:
        from gui.app import run_gui
    except ImportError as e:
        raise DvstError(f"the GUI is not available: {e}") from None
    try:
        run_gui(session, title=title)
    finally:
        session.stop()
    return session.summary()


def screenshot_session(session, path, frames: int | None) -> dict:
    """The window, headless, on ``session`` until ``frames`` frames arrived; saved as PNG."""
    try:
        from gui.app import screenshot
    except ImportError as e:
        raise DvstError(f"the GUI is not available: {e}") from None
    try:
        screenshot(path, frames or 10, session=session, timeout_s=600.0)
    finally:
        session.stop()
    return session.summary()
