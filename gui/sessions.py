"""The window's session factory: ``LinkSettings`` → a ``LinkSession`` from ``dvst.link.build``.

The same builders as ``dvst loopback``, ``dvst tx``/``dvst rx`` and ``dvst replay``, so the
window runs exactly the pipelines the command line runs.
"""

from __future__ import annotations

from dvst.errors import DvstError
from gui.settings import LinkSettings


def build_session(settings: LinkSettings):
    """A LinkSession (not started) for ``settings.source``.

    loopback: ``loopback_session`` on ``settings.input`` (demo when None), then the live
    multipath choice. pluto: with ``cable`` one board transmits and receives
    (``tx_session(cable=True)``), else the board receives (``rx_session``) and ``input`` is the
    reference video. replay: ``replay_session`` on a SigMF recording (as ``dvst replay``).
    """
    from dvst.link import build

    cfg = settings.link
    if settings.source == "loopback":
        session = build.loopback_session(cfg, settings.input)
        if settings.multipath is not None:
            session.set_channel(multipath=settings.multipath)
        return session
    if settings.source == "pluto":
        if settings.cable:
            return build.tx_session(cfg, settings.input, cable=True)
        return build.rx_session(cfg, reference=settings.input)
    if settings.source == "replay":
        if not settings.replay_path:
            raise DvstError("choose a SigMF recording (.sigmf-meta) to replay")
        return build.replay_session(settings.replay_path, cfg, reference=settings.input)
    raise DvstError(f"unknown source {settings.source!r}; choose loopback, pluto or replay")
