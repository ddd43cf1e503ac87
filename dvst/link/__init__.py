"""The link: encoded frames ↔ radio bursts, and the streaming session around codec and radio.

``framing`` (fragments, reassembly, model check), ``concealment`` (decode / conceal / wait),
``stats`` (FrameStats, the JSON summary) are numpy only; ``session`` (LinkSession) imports
the codec and the radio when it is built.
"""

from dvst.link.stats import FrameStats  # noqa: F401


def __getattr__(name):  # LinkSession pulls in the radio; import it only when asked for
    if name in ("LinkSession", "LinkConfig"):
        from dvst.link import session

        return getattr(session, name)
    raise AttributeError(name)
