"""The model configuration: one dataclass, two shipped sizes (dvst/codec/configs/{small,paper}.yaml).

Same code, different numbers. Unknown keys and impossible values are one-line DvstErrors.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field

from dvst.errors import DvstError
from foundation.yaml_config import from_mapping, load_dataclass, shipped, to_mapping

#: The latent stride of every analysis transform (paper Fig. 4: four stride-2 layers).
LATENT_STRIDE = 16


@dataclass
class ModelConfig:
    """Sizes of the DVST networks and the settings of the rate-adaptive JSCC.

    Channel counts follow the paper's C (Fig. 4/5); ``patch`` is the side of one JSCC patch in
    latent positions (2 → a 32×32-pixel patch at latent stride 16). Bandwidth sets are in
    complex channel symbols per patch (each complex symbol = two real JSCC outputs).
    """

    name: str = "custom"
    # nonlinear transforms
    channels: int = 96                 # C of the primary link g_a/g_s
    motion_channels: int = 128         # C of the motion link g_a^mv/g_s^mv
    context_channels: int = 96         # C of φ and γ (Fig. 5)
    context_stride: int = 1            # stride of the feature context č/ĉ (1 = full resolution)
    hyper_channels: int = 96           # channels of the hyperprior z
    context_blocks: int = 1            # residual blocks in φ_fe, φ_ref and the head of g_s
    transform_blocks: int = 0          # deep residual blocks at the context stride in g_a and g_s
    # rate-adaptive deep JSCC
    patch: int = 2                     # patch side in latent positions
    rate_block: int = 1                # patches per side sharing one bandwidth index (side info)
    jscc_dim: int = 256                # M, width of the patch embeddings in the Swin backbone
    motion_jscc_dim: int = 256
    swin_depth: int = 4                # N_e = N_d
    swin_heads: int = 8
    swin_window: int = 16
    mlp_ratio: float = 2.0
    v_primary: list[int] = field(default_factory=lambda: [0, 2, 4, 6, 8, 10, 15, 20, 26, 32, 40,
                                                          48, 56, 64, 80, 96])
    v_motion: list[int] = field(default_factory=lambda: [0, 1, 2, 4, 8, 16, 32, 48])
    eta: float = 0.2                   # η of eq. 10: complex symbols per bit of entropy
    eta_motion: float = 0.2
    snr_conditioning: bool = True      # SNR-adaptive modulation of the JSCC encoder/decoder
    snr_train_db: float = 10.0         # the SNR a fixed-SNR model is meant for (informative)
    # optical flow (SpyNet-style pyramid)
    flow_levels: int = 5
    flow_stride: int = 1               # stride of the finest pyramid level (and of m_t)
    flow_channels: list[int] = field(default_factory=lambda: [32, 64, 32, 16])
    flow_kernel: int = 7
    # ablations (paper Fig. 14)
    contextual: bool = True            # False: residual coding instead of contexts
    rate_adaptive: bool = True         # False: fixed per-patch bandwidth, motion share 1/3
    motion_link: bool = True           # False: contexts from the previous frame without warping
    fixed_bandwidth: int = 32          # per-patch primary symbols when rate_adaptive is False

    def __post_init__(self) -> None:
        for key in ("channels", "motion_channels", "context_channels", "hyper_channels",
                    "jscc_dim", "motion_jscc_dim", "swin_depth", "swin_heads", "swin_window",
                    "patch", "flow_levels", "flow_kernel", "fixed_bandwidth"):
            if getattr(self, key) < 1:
                raise DvstError(f"model config: {key} must be ≥ 1, got {getattr(self, key)}")
        for key in ("context_stride", "flow_stride"):
            s = getattr(self, key)
            if s not in (1, 2, 4, 8, 16):
                raise DvstError(f"model config: {key} must be 1, 2, 4, 8 or 16, got {s}")
        if self.context_blocks < 0 or self.transform_blocks < 0:
            raise DvstError("model config: context_blocks and transform_blocks must be ≥ 0")
        if self.rate_block not in (1, 2, 4):
            raise DvstError(f"model config: rate_block must be 1, 2 or 4, got {self.rate_block}")
        if self.jscc_dim % self.swin_heads or self.motion_jscc_dim % self.swin_heads:
            raise DvstError("model config: jscc_dim and motion_jscc_dim must be multiples of swin_heads")
        for key in ("v_primary", "v_motion"):
            v = getattr(self, key)
            n = len(v)
            if n < 2 or n & (n - 1):
                raise DvstError(f"model config: {key} must hold 2^q values, got {n}")
            if sorted(set(v)) != list(v) or v[0] < 0:
                raise DvstError(f"model config: {key} must be strictly increasing and ≥ 0: {v}")
        if self.eta <= 0 or self.eta_motion <= 0:
            raise DvstError("model config: eta and eta_motion must be > 0")
        if self.mlp_ratio <= 0:
            raise DvstError("model config: mlp_ratio must be > 0")
        if self.flow_kernel % 2 == 0:
            raise DvstError("model config: flow_kernel must be odd")
        if len(self.flow_channels) < 1 or min(self.flow_channels) < 1:
            raise DvstError("model config: flow_channels must be a list of positive widths")

    # derived quantities -------------------------------------------------------------------
    @property
    def q_primary(self) -> int:
        """Side-information bits per patch for the primary link (log2 |V_pl|)."""
        return int(math.log2(len(self.v_primary)))

    @property
    def q_motion(self) -> int:
        return int(math.log2(len(self.v_motion)))

    @property
    def pad_multiple(self) -> int:
        """Frames are padded to a multiple of this many pixels (one block of JSCC patches that
        shares a bandwidth index)."""
        return LATENT_STRIDE * self.patch * self.rate_block

    def fingerprint(self) -> int:
        """A 32-bit model id: a hash of every field, carried in the side information."""
        fields = to_mapping(self)
        for key, default in _LATER_FIELDS.items():   # ids of models from before these fields stay
            if fields[key] == default:
                del fields[key]
        text = json.dumps(fields, sort_keys=True)
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


#: fields added after models were shipped, with the value that means "as before"
_LATER_FIELDS = {"transform_blocks": 0, "rate_block": 1}


SHIPPED = shipped("dvst.codec", "configs")  # dvst/codec/configs/NAME.yaml: the model sizes


def load_model_config(name_or_path: str | os.PathLike = "small", **overrides) -> ModelConfig:
    """Load ``dvst/codec/configs/NAME.yaml`` (``small``, ``paper``) or a YAML path, then overrides."""
    return load_dataclass(ModelConfig, name_or_path, "models", SHIPPED, overrides)


def config_from_mapping(data) -> ModelConfig:
    return from_mapping(ModelConfig, data, where="model config")
