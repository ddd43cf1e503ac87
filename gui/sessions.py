"""The window's session factory: ``LinkSettings`` → a ``LinkSession`` from ``dvst.link.factory``.

The same builders as ``dvst loopback``, ``dvst tx``/``dvst rx`` and ``dvst replay``, so the
window runs exactly the pipelines the command line runs.
"""

from __future__ import annotations

import dataclasses

from dvst.errors import DvstError
from dvst.link.link_config import LinkConfig
from gui.settings import LinkSettings


def build_session(settings: LinkSettings):
    """A LinkSession (not started) for ``settings.source``.

    loopback: ``loopback_session`` on ``settings.input`` (demo when None), then the live
    multipath choice. pluto: with ``cable`` one board transmits and receives
    (``tx_session(cable=True)``), else the board receives (``rx_session``) and ``input`` is the
    reference video. replay: ``replay_session`` on a SigMF recording (as ``dvst replay``).
    """
    from dvst.link import factory

    cfg = settings.link
    if settings.source == "loopback":
        session = factory.loopback_session(cfg, settings.input)
        if settings.multipath is not None:
            session.set_channel(multipath=settings.multipath)
        return session
    if settings.source == "pluto":
        if settings.cable:
            return factory.tx_session(cfg, settings.input, cable=True)
        return factory.rx_session(cfg, reference=settings.input)
    if settings.source == "zmq":
        cfg = dataclasses.replace(cfg, device="zmq")
        if cfg.tx_endpoint:
            return factory.tx_session(cfg, settings.input, cable=bool(cfg.rx_endpoint))
        return factory.rx_session(cfg, reference=settings.input)
    if settings.source == "replay":
        if not settings.replay_path:
            raise DvstError("choose a SigMF recording (.sigmf-meta) to replay")
        return factory.replay_session(settings.replay_path, cfg, reference=settings.input)
    raise DvstError(f"unknown source {settings.source!r}; choose loopback, pluto, zmq or replay")


def settings_of(session) -> LinkSettings:
    """What a session built elsewhere (``dvst loopback --gui``, ``dvst rx --gui``) runs with, as
    far as it says: the source from its device name, the set SNR, and in loopback the simulated
    channel's scenario, offsets and multipath. For controls that show the truth."""
    name = str(getattr(session, "device_name", "") or "")
    source = next((s for s in ("loopback", "replay", "zmq") if name.startswith(s)), "pluto")
    link = LinkConfig()
    if getattr(session, "snr_set_db", None) is not None:
        link.snr_db = float(session.snr_set_db)
    multipath = None
    air = getattr(getattr(session, "tx_device", None), "air_out", None)
    config = getattr(air, "config", None)
    if config is not None:
        link.channel = config.name
        link.cfo_ppm = config.effective_cfo_hz / config.center_freq * 1e6
        link.sfo_ppm = config.effective_sfo_ppm
        multipath = config.multipath or False
    return LinkSettings(source=source, link=link, multipath=multipath)
