"""What the control panel steers, as plain data (no Qt): a source and the link's ``LinkConfig``.

``LinkSettings`` is what a session factory gets when the user presses Start. Its live subset
(``channel()``, ``target()``) is what reaches a running session through ``set_channel`` and
``set_target``. The link's own settings are ``dvst.link.link_config.LinkConfig`` — the same
dataclass ``dvst loopback`` / ``dvst rx`` fill from ``--config`` and flags — so the window and
the command line describe a session one way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dvst.link.link_config import LinkConfig

SOURCES = ("loopback", "pluto", "zmq", "replay")


@dataclass
class LinkSettings:
    """Source and settings for one session.

    source: "loopback" (a simulated pair of Plutos, ``link.channel`` the scenario), "pluto" (a
    board at ``link.uri``, ``link.lo_hz`` / ``link.rx_gain_db`` / ``link.tx_gain_db``; with
    ``cable`` it also transmits ``input``, else it receives what another board sends), "zmq"
    (a GNU Radio flowgraph through ``link.tx_endpoint`` / ``link.rx_endpoint``: with both it
    transmits ``input`` and receives, with only the receive endpoint it receives), or
    "replay" (the SigMF recording ``replay_path``). input: the video to send (None: the demo
    clip); for pluto without cable and for replay, the reference video for PSNR (or None).
    multipath: the loopback channel's TDL profile as ``set_channel`` takes it: a profile name,
    False for none, None for the scenario's own.
    """

    source: str = "loopback"
    input: str | None = None
    replay_path: str = ""
    cable: bool = False
    multipath: str | bool | None = None
    link: LinkConfig = field(default_factory=LinkConfig)

    def channel(self) -> dict:
        """Keyword arguments for ``LinkSession.set_channel`` (in-band SNR dB, offsets in ppm)."""
        return {"snr_db": self.link.snr_db, "cfo_ppm": self.link.cfo_ppm, "sfo_ppm": self.link.sfo_ppm,
                "multipath": self.multipath}

    def target(self) -> dict:
        """Keyword arguments for ``LinkSession.set_target``."""
        return {"model": self.link.model, "cbr": self.link.cbr}
