"""The DVST neural joint source-channel video codec (pure PyTorch; knows nothing of radios).

Public API (see docs/codec.md): :func:`load_model_config`, :class:`DVSTModel`,
:class:`VideoEncoder`, :class:`VideoDecoder`, :mod:`dvst.codec.symbol_channel`,
:mod:`dvst.codec.checkpoint`.
"""

from dvst.codec.model_config import ModelConfig, load_model_config
from dvst.codec.sideinfo import CodedFrame, payload_cbr, payload_symbols
from dvst.codec.video import DVSTModel, Reference, VideoDecoder, VideoEncoder

__all__ = ["ModelConfig", "load_model_config", "DVSTModel", "Reference", "VideoEncoder",
           "VideoDecoder", "CodedFrame", "payload_cbr", "payload_symbols"]
