"""Network layers of the DVST codec (GDN, ChannelNorm, residual and sub-pixel blocks, Swin)."""

from dvst.codec.layers.blocks import MaskedConv2d, ResidualBlock, SubpelConv, conv
from dvst.codec.layers.gdn import GDN
from dvst.codec.layers.norm import ChannelNorm
from dvst.codec.layers.swin import SwinBlock, WindowAttention

__all__ = ["GDN", "ChannelNorm", "ResidualBlock", "SubpelConv", "MaskedConv2d", "conv",
           "SwinBlock", "WindowAttention"]
