"""The link: encoded frames ↔ radio bursts, and the streaming session around codec and radio.

``framing`` (fragments, reassembly, model check), ``concealment`` (decode / conceal / wait),
``stats`` (FrameStats, the JSON summary), ``session`` (LinkSession) and ``config``
(LinkConfig) import neither torch nor the radio; ``build`` assembles sessions from the real
codec, PHY and devices. See docs/e2e.md.
"""

from dvst.link.config import LinkConfig  # noqa: F401
from dvst.link.session import LinkSession  # noqa: F401
from dvst.link.stats import FrameStats  # noqa: F401
