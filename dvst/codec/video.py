"""The DVST video model (P-frames: motion link + contextual primary link) and its training forward.

Eq. 1–6 and 12–17 of the paper. The transmitter works from its *simulated* reference (decoded
without the channel, eq. 2); the receiver from its own buffer. :class:`Reference` holds one
side's buffer; the two are never mixed. :class:`VideoEncoder` and :class:`VideoDecoder` run
the GOP on uint8 frames and exchange only EncodedFrame/ReceivedFrame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dvst.codec.context import CodewordContext, FeatureContext
from dvst.codec.iframe import IFrameCodec, primary_link
from dvst.codec.jscc import JSCCLink
from dvst.codec.model_config import ModelConfig
from dvst.codec.motion import FlowNet, motion_link, resample_flow, warp
from dvst.codec.sideinfo import CodedFrame, SideInfo, model_id, pack, side_symbols_for, unpack
from dvst.codec.stages import stage_plan
from dvst.codec.symbol_channel import snr_tensor, transmit
from dvst.codec.transforms import AnalysisTransform, SynthesisTransform
from dvst.errors import DvstError
from dvst.frames import ReceivedFrame


@dataclass
class Reference:
    """One side's reference buffer: reconstruction x [B, 3, H, W] and latent y [B, C, h, w].

    ``feat`` caches φ_fe(x), which depends only on the reference.
    """

    x: torch.Tensor
    y: torch.Tensor | None = None
    feat: torch.Tensor | None = None

    def detach(self) -> Reference:
        d = lambda t: None if t is None else t.detach()  # noqa: E731
        return Reference(d(self.x), d(self.y), d(self.feat))


def pad_frames(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Replicate-pad [..., H, W] on the bottom/right to multiples of ``multiple``."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not (ph or pw):
        return x
    shape = x.shape
    y = F.pad(x.reshape(-1, *shape[-3:]), (0, pw, 0, ph), mode="replicate")
    return y.reshape(*shape[:-2], h + ph, w + pw)


class DVSTModel(nn.Module):
    """The whole DVST codec: the I-frame codec (NTSCC) and the P-frame model.

    Children (the names ``StagePlan.trains`` refers to): ``iframe``; motion link ``flow``,
    ``motion_g_a``, ``motion_g_s``, ``motion_link``; primary link ``g_a``, ``g_s``, ``link``;
    contexts ``phi`` (φ, eq. 16) and ``gamma`` (γ, eq. 17).
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = cfg = config
        s, fs = cfg.context_stride, cfg.flow_stride
        if cfg.flow_stride * 2 ** (cfg.flow_levels - 1) > cfg.pad_multiple:
            raise DvstError("model config: flow_stride·2^(flow_levels−1) must not exceed 16·patch")
        self.iframe = IFrameCodec(cfg)
        if cfg.motion_link:
            cm = cfg.motion_channels
            self.flow = FlowNet(cfg.flow_levels, fs, cfg.flow_channels, cfg.flow_kernel)
            self.motion_g_a = AnalysisTransform(2, cm, 0, stride=fs, in_stride=fs)
            # motion fields are smooth: no residual blocks in the head of g_s^mv
            self.motion_g_s = SynthesisTransform(2, cm, 0, stride=fs, out_stride=fs, blocks=0)
            self.motion_link = motion_link(cfg)
        cc = cfg.context_channels if cfg.contextual else 0
        if cfg.contextual:
            self.phi = FeatureContext(cc, s, fs, cfg.context_blocks)
            self.gamma = CodewordContext(cfg.channels, cc, fs)
        self.g_a = AnalysisTransform(3, cfg.channels, cc, stride=s, blocks=cfg.transform_blocks)
        self.g_s = SynthesisTransform(3, cfg.channels, cc, stride=s,
                                      blocks=cfg.context_blocks + cfg.transform_blocks)
        self.link = primary_link(cfg, context_channels=cc, temporal_channels=cc)

    def set_eta(self, eta: float) -> None:
        """Set η of eq. 10 (complex symbols per bit of entropy) of the I-frame and primary links:
        the operating point of one rung of a ladder that shares these weights."""
        if not eta > 0:
            raise DvstError(f"eta must be > 0, got {eta}")
        self.iframe.link.eta = self.link.eta = float(eta)

    # ---------------------------------------------------------------- building blocks
    def _contexts(self, ref: Reference, m: torch.Tensor | None, codeword: bool):
        """(c, d, prediction): feature context, codeword context (or None), pixel prediction
        (residual ablation only)."""
        if not self.config.contextual:
            pred = ref.x if m is None else warp(ref.x, resample_flow(m, self.config.flow_stride, 1))
            return None, None, pred
        if ref.feat is None:
            ref.feat = self.phi.features(ref.x)
        c = self.phi(ref.feat, m)
        d = self.gamma(ref.y, m) if codeword else None
        return c, d, None

    def _analysis(self, x, c, pred):
        return self.g_a(x if pred is None else x - pred, c)

    def _synthesis(self, y, c, pred):
        x = self.g_s(y, c)
        return x if pred is None else x + pred

    def _eta(self, eta, link: JSCCLink):
        return link.eta if eta is None else eta

    # ---------------------------------------------------------------- transmitter / receiver
    def transmit_iframe(self, x, snr_db, eta=None, simulate=True):
        """Transmitter, I-frame. x [B, 3, H, W] in [0, 1]. Returns (code dict, Tx reference).

        simulate=False skips the simulated decode (eq. 2) and returns no reference: for a frame
        that no later frame refers to (the last of a GOP)."""
        code = self.iframe.transmit(x, snr_db, eta, simulate)
        return code, (Reference(code["x_sim"], code["y_sim"]) if simulate else None)

    def simulate_iframe(self, code: dict, snr_db) -> Reference:
        """The simulated decode of ``transmit_iframe(..., simulate=False)``'s code → Tx reference."""
        return Reference(*self.iframe.simulate(code["s"], code["mask"], code["idx"], snr_db))

    def receive_iframe(self, s_hat, noise_var, idx, snr_db):
        """Receiver, I-frame → its new Reference (x̂, ŷ)."""
        x, y = self.iframe.receive(s_hat, noise_var, idx, snr_db)
        return Reference(x, y)

    def transmit_pframe(self, x, ref: Reference, snr_db, eta=None, eta_motion=None, simulate=True):
        """Transmitter, P-frame (eq. 1–4, 12–13, 16–17) from the Tx reference.

        Returns (code, new Tx reference). code holds for each link (suffix ``_ml`` motion,
        ``_pl`` primary): ``idx`` [B, hp, wp], ``s`` [B, Np, vmax, 2], ``mask``, ``bits`` [B],
        ``k`` [B]; and the intermediate ``m`` (flow), ``m_sim`` (m̌), ``c`` (č), ``y_tilde``.
        simulate=False: no simulated decode of the primary link and no reference (None).
        """
        cfg = self.config
        code: dict = {}
        m_sim = None
        if cfg.motion_link:
            m = self.flow(x, ref.x)
            ym = self.motion_g_a(m)
            r = self.motion_link.rate(ym)
            idx = self.motion_link.allocate(r["bits_patch"], eta_motion)
            s, mask = self.motion_link.encoder(ym, None, idx, snr_db)
            ym_sim = self.motion_link.decoder(s, torch.zeros_like(mask, dtype=s.dtype), idx, None, snr_db)
            m_sim = self.motion_g_s(ym_sim)
            bits = r["bits_patch"].flatten(1).sum(1)
            code.update(m=m, ym_tilde=r["y_tilde"], m_sim=m_sim, idx_ml=idx, s_ml=s, mask_ml=mask,
                        bits_ml=bits, k_ml=self._eta(eta_motion, self.motion_link) * bits)
        c, d, pred = self._contexts(ref, m_sim, codeword=True)
        y = self._analysis(x, c, pred)
        r = self.link.rate(y, c)
        idx = self.link.allocate(r["bits_patch"], eta)
        s, mask = self.link.encoder(y, d, idx, snr_db)
        bits = r["bits_patch"].flatten(1).sum(1)
        code.update(c=c, d=d, pred=pred, y_tilde=r["y_tilde"], idx_pl=idx, s_pl=s, mask_pl=mask,
                    bits_pl=bits, k_pl=self._eta(eta, self.link) * bits)
        return code, (self.simulate_pframe(code, snr_db) if simulate else None)

    def simulate_pframe(self, code: dict, snr_db) -> Reference:
        """The transmitter's simulated decode of a P-frame (eq. 2: the primary link without the
        channel) from ``transmit_pframe``'s code → the new Tx reference (x̌, y̌)."""
        s, mask = code["s_pl"], code["mask_pl"]
        y_sim = self.link.decoder(s, torch.zeros_like(mask, dtype=s.dtype), code["idx_pl"], code["d"], snr_db)
        return Reference(self._synthesis(y_sim, code["c"], code["pred"]), y_sim)

    def receive_pframe(self, rx: dict, ref: Reference, snr_db):
        """Receiver, P-frame, from its own reference only.

        rx: ``s_ml``, ``nv_ml``, ``idx_ml`` (motion link; absent without it) and ``s_pl``,
        ``nv_pl``, ``idx_pl``: received symbols [B, Np, vmax, 2], per-symbol noise variance
        [B, Np, vmax] and indices [B, hp, wp]. Returns (new Rx reference, m̂ or None, ĉ).
        """
        m_hat = None
        if self.config.motion_link:
            ym = self.motion_link.decoder(rx["s_ml"], rx["nv_ml"], rx["idx_ml"], None, snr_db)
            m_hat = self.motion_g_s(ym)
        c, d, pred = self._contexts(ref, m_hat, codeword=True)
        y_hat = self.link.decoder(rx["s_pl"], rx["nv_pl"], rx["idx_pl"], d, snr_db)
        return Reference(self._synthesis(y_hat, c, pred), y_hat), m_hat, c

    # ---------------------------------------------------------------- training
    @torch.no_grad()
    def init_pframe_from_iframe(self) -> int:
        """Start the primary link of the P-frames from the trained I-frame codec.

        g_a, g_s and the JSCC link take the I-frame codec's weights wherever the shapes agree;
        a layer that also reads a context takes the I-frame weights for its frame channels and
        zeros for the context channels, so the P-frame path starts as a copy of the I-frame
        path and learns from there to use the reference. Returns the tensors copied.
        """
        n = 0
        for part in ("g_a", "g_s", "link"):
            own = getattr(self, part).state_dict()     # shares the parameters' storage
            src = getattr(self.iframe, part).state_dict()
            for key, w in own.items():
                v = src.get(key)
                if v is None or v.dim() != w.dim():
                    continue
                if v.shape == w.shape:
                    w.copy_(v)
                elif w.dim() == 4 and w.shape[0] == v.shape[0] and w.shape[2:] == v.shape[2:] \
                        and w.shape[1] > v.shape[1]:
                    w.zero_()
                    w[:, :v.shape[1]] = v              # the frame channels come first
                else:
                    continue
                n += 1
        fuse = self.link.decoder.fuse                  # P-frames only: starts as the identity on ŷ
        if fuse is not None:
            fuse.weight.zero_()
            fuse.bias.zero_()
            k = fuse.kernel_size[0] // 2
            fuse.weight[:, :fuse.out_channels, k, k] = torch.eye(fuse.out_channels)
            n += 1
        return n

    def set_stage(self, stage: str) -> list[nn.Parameter]:
        """Freeze everything but the sub-networks stage ``stage`` trains; returns those parameters."""
        plan = stage_plan(stage)
        for p in self.parameters():
            p.requires_grad_(False)
        params = []
        for name in plan.trains:
            mod = self.get_submodule(name) if _has(self, name) else None
            if mod is None:
                continue
            for p in mod.parameters():
                p.requires_grad_(True)
                params.append(p)
        return params

    def forward(self, frames: torch.Tensor, snr_db, channel: str = "awgn", stage: str = "joint",
                eta: float | None = None, eta_motion: float | None = None,
                lossless_reference: bool | None = None, detach_reference: bool | None = None,
                generator: torch.Generator | None = None) -> dict:
        """Training forward over GOP snippets; see docs/codec.md for the keys per stage.

        frames: float [B, T, 3, H, W] in [0, 1] (any H, W: padded, outputs cropped back);
        snr_db: a number or [B] values; channel: "awgn" | "rayleigh"; stage: a name of
        ``dvst.codec.stages.STAGES`` (the paper's progressive stages; sets ``requires_grad`` of
        the sub-networks, runs only what the stage needs). ``lossless_reference`` and
        ``detach_reference`` override the stage's
        defaults. Frame 0 is the I-frame (or the lossless reference); frames 1… are P-frames.
        """
        if frames.dim() != 5 or frames.shape[2] != 3:
            raise DvstError(f"frames must be [B, T, 3, H, W], got {list(frames.shape)}")
        plan = stage_plan(stage)
        self.set_stage(stage)
        lossless = plan.lossless_reference if lossless_reference is None else lossless_reference
        lossless = lossless or not plan.primary_jscc   # without the primary JSCC there is no x̂ to refer to
        detach = plan.detach_reference if detach_reference is None else detach_reference
        b, t, _, h, w = frames.shape
        x_all = pad_frames(frames, self.config.pad_multiple)
        snr = snr_tensor(snr_db, b, frames.device)
        if plan.intra:
            out = self._forward_iframe(x_all.flatten(0, 1), snr.repeat_interleave(t), channel, eta, generator)
            out = {k: v.unflatten(0, (b, t)) for k, v in out.items()}
        else:
            out = self._forward_gop(x_all, snr, channel, plan, eta, eta_motion, lossless, detach, generator)
        for k in [k for k in out if k.startswith("x_")]:
            out[k] = out[k][..., :h, :w]
        n_side = side_symbols_for(self.config, x_all.shape[-2], x_all.shape[-1], t).to(frames.device)
        out["side_symbols"] = n_side
        sent = out["k_pl_sent"] + out["k_ml_sent"] + n_side
        out["cbr"] = sent / (h * w * 3)
        return out

    def _channel(self, s, mask, snr, channel, generator):
        return transmit(s, mask, snr, channel, generator)

    def _forward_iframe(self, x, snr, channel, eta, generator) -> dict:
        code = self.iframe.transmit(x, snr, eta)
        s_hat, nv = self._channel(code["s"], code["mask"], snr, channel, generator)
        x_hat, y_hat = self.iframe.receive(s_hat, nv, code["idx"], snr)
        zero = torch.zeros_like(code["bits"])
        return {"x_hat": x_hat, "x_tilde": self.iframe.g_s(code["y_tilde"]),
                # the JSCC's own error; y as the target is detached (g_a would shrink y to meet it)
                "latent_err": (y_hat - code["y"].detach()).square().flatten(1).mean(1),
                "bits_pl": code["bits"], "k_pl": code["k"],
                "k_pl_sent": self.iframe.link.symbols_sent(code["idx"]),
                "bits_ml": zero, "k_ml": zero, "k_ml_sent": zero}

    def _forward_gop(self, x_all, snr, channel, plan, eta, eta_motion, lossless, detach, generator) -> dict:
        b, t = x_all.shape[:2]
        zero = x_all.new_zeros(b)
        rec: dict[str, list] = {}
        num = {k: [] for k in ("bits_pl", "k_pl", "k_pl_sent", "bits_ml", "k_ml", "k_ml_sent")}
        x0 = x_all[:, 0]
        # frame 0: the I-frame, never a source of gradient for the P-frames (paper §IV-A)
        with torch.no_grad():
            code, ref_tx = self.transmit_iframe(x0, snr, eta)
            if lossless:
                ref_rx = ref_tx = Reference(x0, code["y"])
                numbers = (zero, zero, zero)
            else:
                s_hat, nv = self._channel(code["s"], code["mask"], snr, channel, generator)
                ref_rx = self.receive_iframe(s_hat, nv, code["idx"], snr)
                numbers = (code["bits"], code["k"], self.iframe.link.symbols_sent(code["idx"]))
        x_first = ref_rx.x
        for key, v in zip(("bits_pl", "k_pl", "k_pl_sent"), numbers):
            num[key].append(v)
        for key in ("bits_ml", "k_ml", "k_ml_sent"):
            num[key].append(zero)

        for i in range(1, t):
            x = x_all[:, i]
            if detach:
                ref_tx, ref_rx = ref_tx.detach(), ref_rx.detach()
            step = self._p_step(x, ref_tx, ref_rx, snr, channel, plan, eta, eta_motion, generator)
            for key in ("x_hat", "x_tilde", "x_warp", "x_warp_tilde"):
                if key in step:
                    rec.setdefault(key, [x_first]).append(step[key])
            for key in num:
                num[key].append(step.get(key, zero))
            if lossless:
                ref_tx, ref_rx = Reference(x, step.get("y_tx")), Reference(x, step.get("y_rx"))
            else:
                ref_tx, ref_rx = step["ref_tx"], step["ref_rx"]
        out = {k: torch.stack(v, 1) for k, v in rec.items()}
        out.update({k: torch.stack(v, 1) for k, v in num.items()})
        return out

    def _p_step(self, x, ref_tx, ref_rx, snr, channel, plan, eta, eta_motion, generator) -> dict:
        """One P-frame of the training forward: transmitter, channel, receiver, stage switches."""
        cfg = self.config
        out: dict = {}
        m_tx = m_rx = None
        if cfg.motion_link:
            m = self.flow(x, ref_tx.x)
            ym = self.motion_g_a(m)
            r = self.motion_link.rate(ym)
            bits = r["bits_patch"].flatten(1).sum(1)
            out.update(bits_ml=bits, k_ml=self._eta(eta_motion, self.motion_link) * bits)
            m_tilde = self.motion_g_s(r["y_tilde"])
            out["x_warp_tilde"] = warp(ref_tx.x, resample_flow(m_tilde, cfg.flow_stride, 1))
            if plan.motion_jscc:
                idx = self.motion_link.allocate(r["bits_patch"], eta_motion)
                s, mask = self.motion_link.encoder(ym, None, idx, snr)
                nv0 = torch.zeros_like(mask, dtype=s.dtype)
                m_tx = self.motion_g_s(self.motion_link.decoder(s, nv0, idx, None, snr))
                s_hat, nv = self._channel(s, mask, snr, channel, generator)
                m_rx = self.motion_g_s(self.motion_link.decoder(s_hat, nv, idx, None, snr))
                out["k_ml_sent"] = self.motion_link.symbols_sent(idx)
            else:
                m_tx = m_rx = m_tilde
            out["x_warp"] = warp(ref_rx.x, resample_flow(m_rx, cfg.flow_stride, 1))
        if not plan.primary:
            return out
        c_tx, d_tx, pred_tx = self._contexts(ref_tx, m_tx, codeword=plan.primary_jscc)
        c_rx, d_rx, pred_rx = self._contexts(ref_rx, m_rx, codeword=plan.primary_jscc)
        y = self._analysis(x, c_tx, pred_tx)
        r = self.link.rate(y, c_tx)
        bits = r["bits_patch"].flatten(1).sum(1)
        out.update(bits_pl=bits, k_pl=self._eta(eta, self.link) * bits)
        out["x_tilde"] = self._synthesis(r["y_tilde"], c_rx, pred_rx)
        if not plan.primary_jscc:
            out["x_hat"] = out["x_tilde"]
            out["y_tx"] = out["y_rx"] = r["y_tilde"]
            return out
        idx = self.link.allocate(r["bits_patch"], eta)
        s, mask = self.link.encoder(y, d_tx, idx, snr)
        y_tx = self.link.decoder(s, torch.zeros_like(mask, dtype=s.dtype), idx, d_tx, snr)
        s_hat, nv = self._channel(s, mask, snr, channel, generator)
        y_rx = self.link.decoder(s_hat, nv, idx, d_rx, snr)
        x_rx = self._synthesis(y_rx, c_rx, pred_rx)
        out.update(x_hat=x_rx, y_tx=y_tx, y_rx=y_rx, k_pl_sent=self.link.symbols_sent(idx),
                   ref_tx=Reference(self._synthesis(y_tx, c_tx, pred_tx), y_tx),
                   ref_rx=Reference(x_rx, y_rx))
        return out


def _has(module: nn.Module, name: str) -> bool:
    try:
        module.get_submodule(name)
        return True
    except AttributeError:
        return False


# -------------------------------------------------------------------- GOP orchestration
def inference_layout(model: DVSTModel) -> DVSTModel:
    """``model`` in eval mode with its convolution weights stored channels-last (NHWC), in place.

    Values, names and shapes of the parameters are unchanged (only their strides): oneDNN's
    convolutions then run without reordering weights and activations at every call, about
    10–15 % less CPU per frame at 416×240 (docs/codec.md, Figures).
    """
    return model.eval().to(memory_format=torch.channels_last)


def frame_to_tensor(frame) -> torch.Tensor:
    """uint8 [H, W, 3] → float [1, 3, H, W] in [0, 1]; anything else is a DvstError."""
    if not isinstance(frame, np.ndarray):
        raise DvstError(f"a frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise DvstError(f"a frame must be uint8, got {frame.dtype}")
    if frame.ndim != 3 or frame.shape[2] != 3 or min(frame.shape[:2]) < 1 or max(frame.shape[:2]) > 65535:
        raise DvstError(f"a frame must be [H, W, 3], got shape {list(frame.shape)}")
    return torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1)[None].float() / 255.0


def tensor_to_frame(x: torch.Tensor, height: int, width: int) -> np.ndarray:
    """float [1, 3, H', W'] → uint8 [height, width, 3] (cropped, clipped, rounded)."""
    x = x[0, :, :height, :width].clamp(0, 1).mul(255).round().to(torch.uint8)
    return x.permute(1, 2, 0).contiguous().cpu().numpy()


def _to_complex(s: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    v = s[mask].double().cpu().numpy()
    return (v[:, 0] + 1j * v[:, 1]).astype(np.complex64)


class VideoEncoder:
    """The transmitter: uint8 frames → :class:`CodedFrame` (an EncodedFrame), GOP by GOP.

    Keeps the transmitter's simulated reference (eq. 2). gop: frames per GOP (one I-frame,
    gop−1 P-frames); eta/eta_motion: η of eq. 10 (None: the model's), changeable between frames
    through the attributes of the same names to meet a target CBR.
    """

    def __init__(self, model: DVSTModel, gop: int = 4, eta: float | None = None,
                 eta_motion: float | None = None) -> None:
        if gop < 1:
            raise DvstError(f"gop must be ≥ 1, got {gop}")
        torch.set_flush_denormal(True)    # denormals slow CPU convolutions many times over
        self.model = inference_layout(model)
        self.gop = gop
        self.eta = eta
        self.eta_motion = eta_motion
        self.reset()

    def reset(self) -> None:
        """Forget the reference: the next frame is an I-frame with index 0."""
        self._tx_ref: Reference | None = None
        self._pending: tuple | None = None    # (kind, code, snr): the last frame's simulated decode
        self._size: tuple[int, int] | None = None
        self.index = 0

    @property
    def _ref(self) -> Reference | None:
        """The Tx reference x̌, y̌ (eq. 2), after the last frame's simulated decode."""
        self.finish_reference()
        return self._tx_ref

    def finish_reference(self) -> None:
        """Run the last frame's simulated decode (eq. 2) now, if it is still pending.

        ``encode`` hands its symbols over before that decode, which only the next frame needs:
        a caller with idle time between frames (the link's transmit thread) runs it here, off
        the frame's latency path; otherwise the next ``encode`` does. Same result either way.
        """
        if self._pending is None:
            return
        kind, code, snr = self._pending
        self._pending = None
        with torch.inference_mode():
            sim = self.model.simulate_pframe if kind == "P" else self.model.simulate_iframe
            ref = sim(code, snr)
            ref.x = ref.x.clamp(0, 1)
        self._tx_ref = ref

    def encode(self, frame: np.ndarray, snr_db: float) -> CodedFrame:
        """frame uint8 [H, W, 3], snr_db: the SNR the receiver reports (conditions the JSCC)."""
        try:
            ok = bool(np.isfinite(float(snr_db)))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise DvstError(f"snr_db must be a finite number, got {snr_db!r}")
        device = next(self.model.parameters()).device
        x = frame_to_tensor(frame).to(device)
        h, w = frame.shape[:2]
        cfg = self.model.config
        ref = self._ref
        p_frame = ref is not None and self._size == (h, w) and self.index % self.gop != 0
        x = pad_frames(x, cfg.pad_multiple)
        snr = snr_tensor(float(snr_db), 1, device)
        eta = self.model.link.eta if self.eta is None else float(self.eta)
        eta_mv = (self.model.motion_link.eta if cfg.motion_link else cfg.eta_motion) \
            if self.eta_motion is None else float(self.eta_motion)
        # the last frame of a GOP is nobody's reference: skip its simulated decode
        simulate = (self.index + 1) % self.gop != 0
        with torch.inference_mode():    # the simulated decode is deferred: finish_reference()
            if p_frame:
                code, _ = self.model.transmit_pframe(x, ref, snr, eta, eta_mv, simulate=False)
                parts = [(code["s_ml"], code["mask_ml"])] if cfg.motion_link else []
                parts.append((code["s_pl"], code["mask_pl"]))
                idx_pl = code["idx_pl"]
                idx_ml = code["idx_ml"][0].cpu().numpy() if cfg.motion_link else None
            else:
                code, _ = self.model.transmit_iframe(x, snr, eta, simulate=False)
                parts, idx_pl, idx_ml = [(code["s"], code["mask"])], code["idx"], None
        symbols = np.concatenate([_to_complex(s, m) for s, m in parts])
        info = SideInfo(model_id(cfg), h, w, idx_pl[0].cpu().numpy(), idx_ml)
        kind = "P" if p_frame else "I"
        out = CodedFrame(self.index, kind, symbols, pack(info, cfg, kind), (h, w))
        self._tx_ref, self._size = None, (h, w)
        self._pending = (kind, code, snr) if simulate else None
        self.index += 1
        return out


class VideoDecoder:
    """The receiver: :class:`ReceivedFrame` → uint8 [H, W, 3], from its own buffer only."""

    def __init__(self, model: DVSTModel) -> None:
        torch.set_flush_denormal(True)
        self.model = inference_layout(model)
        self.reset()

    def reset(self) -> None:
        self._ref: Reference | None = None
        self._size: tuple[int, int] | None = None
        self._last_index: int | None = None
        self._last_frame: np.ndarray | None = None

    def conceal(self) -> np.ndarray:
        """The last good frame, for a frame that was lost; P-frames then wait for the next I-frame."""
        self._ref = None
        if self._last_frame is None:
            raise DvstError("no frame decoded yet, nothing to conceal with")
        return self._last_frame

    def _slots(self, rx_sym, rx_nv, idx: np.ndarray, values: list[int], offset: int, device):
        """Received symbols of one link → (ŝ [1, Np, vmax, 2], noise_var [1, Np, vmax], next offset)."""
        vals = np.asarray(values)[idx.reshape(-1)]
        vmax = max(values)
        mask = np.arange(vmax)[None, :] < vals[:, None]
        n = int(vals.sum())
        s = np.zeros((idx.size, vmax, 2), np.float32)
        nv = np.zeros((idx.size, vmax), np.float32)
        seg = rx_sym[offset: offset + n]
        seg_nv = rx_nv[offset: offset + n]
        bad = ~(np.isfinite(seg) & np.isfinite(seg_nv))      # a radio may hand over erasures
        seg = np.where(bad, 0, seg)
        s[mask, 0], s[mask, 1] = seg.real, seg.imag
        nv[mask] = np.where(bad, 1e3, np.maximum(seg_nv, 0))
        return torch.from_numpy(s)[None].to(device), torch.from_numpy(nv)[None].to(device), offset + n

    def decode(self, rx: ReceivedFrame) -> np.ndarray:
        cfg = self.model.config
        if rx.side_info is None:
            raise DvstError(f"frame {rx.index}: side information lost; conceal the frame")
        if rx.kind == "P" and (self._ref is None or self._last_index is None
                               or rx.index != self._last_index + 1):
            self._ref = None
            raise DvstError(f"P-frame {rx.index} has no reference (wait for the next I-frame)")
        info = unpack(rx.side_info, rx.kind, cfg, self._size)   # a P-frame is its I-frame's size
        h, w = info.height, info.width
        expected = int(np.asarray(cfg.v_primary)[info.idx_pl].sum())
        if info.idx_ml is not None:
            expected += int(np.asarray(cfg.v_motion)[info.idx_ml].sum())
        if rx.symbols.size != expected:
            raise DvstError(f"frame {rx.index}: {rx.symbols.size} symbols, side information says {expected}")
        dev = next(self.model.parameters()).device
        if np.isnan(rx.snr_db):
            raise DvstError(f"frame {rx.index}: measured SNR is NaN")
        # a noiseless loopback can report +inf; the SNR conditioning saw at most a few tens of dB
        snr = snr_tensor(float(np.clip(rx.snr_db, -20.0, 50.0)), 1, dev)
        to_idx = lambda a: torch.from_numpy(a.astype(np.int64))[None].to(dev)  # noqa: E731
        off = 0
        with torch.inference_mode():
            if rx.kind == "I":
                s, nv, off = self._slots(rx.symbols, rx.noise_var, info.idx_pl, cfg.v_primary, off, dev)
                ref = self.model.receive_iframe(s, nv, to_idx(info.idx_pl), snr)
            else:
                parts = {}
                if info.idx_ml is not None:
                    parts["s_ml"], parts["nv_ml"], off = self._slots(rx.symbols, rx.noise_var, info.idx_ml,
                                                                     cfg.v_motion, off, dev)
                    parts["idx_ml"] = to_idx(info.idx_ml)
                parts["s_pl"], parts["nv_pl"], off = self._slots(rx.symbols, rx.noise_var, info.idx_pl,
                                                                 cfg.v_primary, off, dev)
                parts["idx_pl"] = to_idx(info.idx_pl)
                ref, _, _ = self.model.receive_pframe(parts, self._ref, snr)
            ref.x = ref.x.clamp(0, 1)
        self._ref, self._size, self._last_index = ref, (h, w), rx.index
        self._last_frame = tensor_to_frame(ref.x, h, w)
        return self._last_frame
