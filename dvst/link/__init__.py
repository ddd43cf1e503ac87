"""The link: encoded frames ↔ radio bursts, and the streaming session around codec and radio.

One job per module:

- ``config`` (LinkConfig), ``framing`` (fragments, reassembly, model check, BurstMeasurements),
  ``concealment`` (decode / conceal / wait), ``stats`` (FrameStats, the JSON summary),
  ``sinks``, ``features`` (what a device may offer, as protocols) and ``session`` (LinkSession
  and its option groups) import neither torch nor the radio;
- ``codec`` (the model as the link carries it: fingerprint and tag), ``phy`` (fragments ↔
  bursts, radio profile, loopback channel), ``devices`` (device adapters and live retuning),
  ``catalog`` (shipped profiles and scenarios for the GUI) wrap the layers below;
- ``factory`` assembles sessions from them.

See docs/e2e.md and docs/architecture.md.
"""

from dvst.link.link_config import LinkConfig  # noqa: F401
from dvst.link.session import LinkSession  # noqa: F401
from dvst.link.stats import FrameStats  # noqa: F401
