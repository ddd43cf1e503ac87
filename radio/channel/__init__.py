"""The loopback channel simulator: what two PlutoSDRs and the air between them do to a signal.

One concept per module (``awgn``, ``multipath``, ``fading``, ``cfo``, ``sfo``, ``phase_noise``,
``iq_imbalance``, ``dc_offset``, ``dac``, ``adc``, ``timing``), composed by
:class:`LoopbackChannel` from a :class:`ChannelConfig` (``radio/channel/scenarios/*.yaml``).
Samples are complex, in full-scale units (|I|, |Q| <= 1.0 is the DAC/ADC range).
"""

from radio.channel.awgn import noise_variance
from radio.channel.loopback_channel import LoopbackChannel
from radio.channel.multipath import TDL_PROFILES
from radio.channel.scenario import ChannelConfig, load_channel_config

__all__ = ["ChannelConfig", "LoopbackChannel", "TDL_PROFILES", "load_channel_config", "noise_variance"]
