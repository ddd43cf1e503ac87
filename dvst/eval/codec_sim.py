"""Codec-level simulation: encode a clip, pass the analog symbols through a channel model, decode.

No radio: the codec's own channel models (:mod:`dvst.codec.symbol_channel`) act on the complex symbols
of each :class:`EncodedFrame` exactly as the link would deliver them (equalised symbols and their
noise variance), and the side information arrives intact, counted at the MCS the caller says it
travels with. This is the figure the RD harness, the model zoo and
``dvst eval`` report.
"""

from __future__ import annotations

import numpy as np

from dvst.codec.sideinfo import ROBUST_COUNT, SideCount, side_symbols
from dvst.errors import DvstError
from dvst.frames import EncodedFrame, ReceivedFrame


def channel_pass(frame: EncodedFrame, snr_db: float, channel: str, generator) -> ReceivedFrame:
    """The ReceivedFrame the decoder would get: symbols through AWGN/Rayleigh at ``snr_db``."""
    import torch

    from dvst.codec.symbol_channel import transmit

    sym = torch.from_numpy(frame.symbols.view(np.float32).reshape(1, -1, 2).copy())
    mask = torch.ones(sym.shape[:2], dtype=torch.bool)
    rx, nv = transmit(sym, mask, float(snr_db), channel, generator=generator)
    symbols = rx[0].contiguous().numpy().view(np.complex64).reshape(-1)
    return ReceivedFrame(index=frame.index, kind=frame.kind, symbols=symbols,
                         noise_var=nv[0].numpy().astype(np.float32), side_info=frame.side_info,
                         snr_db=float(snr_db))


def evaluate(frames: np.ndarray, model, snr_db: float, channel: str = "awgn", gop: int = 4,
             eta: float | None = None, seed: int = 0, side_count: SideCount = ROBUST_COUNT) -> dict:
    """Encode, transmit and decode ``frames`` uint8 [T, H, W, 3]; quality and bandwidth figures.

    Returns ``psnr_db``, ``msssim_db`` (dB, −10·log10(1 − MS-SSIM)) and ``payload_cbr`` (the
    codec's definition: analog symbols plus the coded side information, per H·W·3 source values)
    as means over the clip, ``frames`` (T), and ``per_frame``: a list of dicts with ``index``,
    ``kind`` (I/P), ``psnr_db``, ``msssim_db``, ``payload_cbr``, ``analog_cbr`` (analog symbols
    only), ``side_info_bytes``, ``side_cbr`` (the side information's share of ``payload_cbr``).
    side_count: how the side information is counted (its MCS and symbols per bit): the link's
    figures pass the MCS a link configured for ``snr_db`` sends it with; the default, the robust
    header code, keeps a training campaign's curve on one scale. The result names it (``side_mcs``).
    Seeded: the same call gives the same numbers.
    """
    import torch

    from dvst.codec import VideoDecoder, VideoEncoder, payload_cbr
    from dvst.eval.metrics import msssim_db, psnr_db

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise DvstError(f"evaluate needs uint8 frames [T, H, W, 3], got {frames.dtype} {frames.shape}")
    if gop < 1:
        raise DvstError(f"gop must be ≥ 1, got {gop}")
    h, w = frames.shape[1:3]
    spb = side_count.symbols_per_bit
    was_training = model.training
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    enc, dec = VideoEncoder(model, gop=gop, eta=eta), VideoDecoder(model)
    per_frame = []
    try:
        with torch.no_grad():
            for t, frame in enumerate(frames):
                sent = enc.encode(frame, snr_db)
                rec = dec.decode(channel_pass(sent, snr_db, channel, gen))
                per_frame.append({"index": t, "kind": sent.kind, "psnr_db": psnr_db(frame, rec),
                                  "msssim_db": msssim_db(frame, rec),
                                  "payload_cbr": payload_cbr(sent, h, w, spb),
                                  "analog_cbr": sent.symbols.size / (h * w * 3),
                                  "side_info_bytes": len(sent.side_info),
                                  "side_cbr": side_symbols(len(sent.side_info), spb) / (h * w * 3)})
    finally:
        model.train(was_training)
    return {"psnr_db": float(np.mean([f["psnr_db"] for f in per_frame])),
            "msssim_db": float(np.mean([f["msssim_db"] for f in per_frame])),
            "payload_cbr": float(np.mean([f["payload_cbr"] for f in per_frame])),
            "analog_cbr": float(np.mean([f["analog_cbr"] for f in per_frame])),
            "side_cbr": float(np.mean([f["side_cbr"] for f in per_frame])), "side_mcs": side_count.mcs,
            "frames": len(per_frame), "snr_db": float(snr_db), "channel": channel, "gop": gop,
            "eta": eta, "per_frame": per_frame}
