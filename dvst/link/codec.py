"""The codec as the link uses it: a resolved model with its fingerprint and 16-bit model tag
(carried in every burst so a receiver knows which decoder a frame needs).

Model resolution itself is :func:`dvst.zoo.resolve.resolve_model`, shared by every command.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from dvst.link.framing import model_tag


@dataclass
class Codec:
    """A loaded model and how to use it: name (for FrameStats), eta (None: the model's own),
    fingerprint (config and weights), tag (its 16-bit form in every burst)."""

    model: object
    name: str
    eta: float | None
    fingerprint: str

    @property
    def tag(self) -> int:
        return model_tag(self.fingerprint)

    def encoder(self, gop: int):
        from dvst.codec import VideoEncoder

        return VideoEncoder(self.model, gop=gop, eta=self.eta)

    def decoder(self):
        from dvst.codec import VideoDecoder

        return VideoDecoder(self.model)


def weights_fingerprint(model) -> str:
    """Model config fingerprint and a CRC-32 of every parameter and buffer."""
    crc = 0
    for name, t in sorted(model.state_dict().items()):
        crc = zlib.crc32(name.encode(), crc)
        crc = zlib.crc32(t.detach().cpu().contiguous().numpy().tobytes(), crc)
    cfg = getattr(model, "config", None)
    head = f"{cfg.fingerprint():08x}" if cfg is not None and hasattr(cfg, "fingerprint") else "nocfg"
    return f"{head}:{crc:08x}"


def load_codec(model: str | None = None, cbr: float | None = None, seed: int = 0,
               channel: str = "awgn") -> Codec:
    """The model a session uses (``model``: a zoo name, a checkpoint, a model config or None;
    ``cbr``: a target payload CBR), resolved as every command resolves it."""
    from dvst.zoo.resolve import resolve_model

    r = resolve_model(model, cbr, seed, channel)
    return Codec(r.model, r.name, r.eta, weights_fingerprint(r.model))
