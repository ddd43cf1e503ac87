"""``dvst bench ceiling``: where an I-frame's quality goes, part by part.

For each image, coded as an I-frame by a model (default: the shipped default), PSNR against the
original of:
- ``transform``: g_s(g_a(x)), the transform pair alone, no quantisation, no channel;
- ``transform_rounded``: g_s(round(g_a(x))), what a digital codec of this latent would reach;
- ``latent_bpp``: the entropy model's estimate of that latent's information, bits per pixel (what
  the JSCC's bandwidth is allocated from, η symbols a bit);
- ``channel[η, SNR]``: x̂ = g_s(ŷ) through the whole JSCC and an AWGN channel (seeded), with its
  payload CBR (analog symbols only) and ``capacity_bpp``, what those symbols could carry at
  the AWGN capacity, CBR·3·log2(1 + SNR) bits per pixel. Where it exceeds ``latent_bpp``, more
  bandwidth can only buy noise robustness: the latent's information, set by λ in training, is
  the cap;
- ``jscc[η, SNR]``: g_s(ŷ) against g_s(y): the error the JSCC mapping and the channel add, in
  pixels. If it does not grow with η or SNR, the JSCC mapping, not the channel, is what costs;
- ``fixed[v, SNR]``: x̂ with every patch at the same bandwidth v of the model's set V (complex
  symbols per patch, no entropy-driven allocation): the JSCC's saturation curve. Where PSNR stops
  rising with v while ``capacity_bpp`` passes ``latent_bpp``, the mapping, not the bandwidth,
  is the limit.

Keys of ``--json``: ``model``, ``images``: a list of {name, transform_db, transform_rounded_db,
latent_bpp, points: [{eta, snr_db, psnr_db, jscc_db, analog_cbr, capacity_bpp}], fixed: [{symbols,
snr_db, psnr_db, analog_cbr, capacity_bpp}]}. Images are cropped to the model's pad multiple.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CeilingPoint:
    eta: float
    snr_db: float
    psnr_db: float      # x̂ against x
    jscc_db: float      # g_s(ŷ) against g_s(y)
    analog_cbr: float   # analog symbols per source value
    capacity_bpp: float  # bits per pixel those symbols carry at the AWGN capacity


@dataclass
class FixedBandwidthPoint:
    symbols: int        # complex symbols of every patch (a value of the model's V)
    snr_db: float
    psnr_db: float      # x̂ against x
    analog_cbr: float
    capacity_bpp: float


@dataclass
class Ceiling:
    name: str
    transform_db: float
    transform_rounded_db: float
    latent_bpp: float   # the entropy model's estimate of the latent, bits per pixel
    points: list[CeilingPoint] = field(default_factory=list)
    fixed: list[FixedBandwidthPoint] = field(default_factory=list)


def _psnr(a, b) -> float:
    """PSNR of two float [1, 3, H, W] images in [0, 1] (``dvst.eval.metrics.psnr_db``)."""
    from dvst.eval.metrics import psnr_db

    return psnr_db(a.clamp(0, 1).numpy(), b.clamp(0, 1).numpy(), peak=1.0)


def _capacity_bpp(cbr: float, snr_db: float) -> float:
    return cbr * 3 * math.log2(1 + 10 ** (snr_db / 10))


def measure_ceiling(model, image, name: str, etas, snrs, seed: int = 0) -> Ceiling:
    """``image`` uint8 [H, W, 3] through ``model``'s I-frame codec; see the module docstring."""
    import numpy as np
    import torch

    from dvst.codec.symbol_channel import transmit

    m = model.config.pad_multiple
    h, w = (image.shape[0] // m) * m, (image.shape[1] // m) * m
    x = torch.from_numpy(np.ascontiguousarray(image[:h, :w])).permute(2, 0, 1)[None].float() / 255
    ic = model.iframe
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        y = ic.g_a(x)
        ref = ic.g_s(y)
        bits_patch = ic.link.rate(y)["bits_patch"]
        bpp = float(bits_patch.sum()) / (h * w)
        out = Ceiling(name, _psnr(ref, x), _psnr(ic.g_s(torch.round(y)), x), bpp)
        for eta in etas:
            for snr_db in snrs:
                snr = torch.full((1,), float(snr_db))
                code = ic.transmit(x, snr, eta, simulate=False)
                s_hat, nv = transmit(code["s"], code["mask"], snr, "awgn", generator=gen)
                x_hat, y_hat = ic.receive(s_hat, nv, code["idx"], snr)
                cbr = float(ic.link.symbols_sent(code["idx"]).sum()) / (h * w * 3)
                out.points.append(CeilingPoint(float(eta), float(snr_db), _psnr(x_hat, x),
                                               _psnr(ic.g_s(y_hat), ref), cbr, _capacity_bpp(cbr, snr_db)))
        grid = ic.link.allocate(bits_patch)    # the patches' index grid
        for j, v in enumerate(ic.link.values):
            if v == 0:
                continue
            idx = torch.full_like(grid, j)
            for snr_db in snrs:
                snr = torch.full((1,), float(snr_db))
                s, mask = ic.link.encoder(y, None, idx, snr)
                s_hat, nv = transmit(s, mask, snr, "awgn", generator=gen)
                x_hat, _ = ic.receive(s_hat, nv, idx, snr)
                cbr = float(ic.link.symbols_sent(idx).sum()) / (h * w * 3)
                out.fixed.append(FixedBandwidthPoint(int(v), float(snr_db), _psnr(x_hat, x), cbr,
                                                     _capacity_bpp(cbr, snr_db)))
    return out


def run(args) -> int:
    import torch

    from dvst.console import print_table, write_json
    from dvst.errors import DvstError
    from dvst.io.video import read_frames
    from dvst.link.codec import load_codec
    from foundation.yaml_config import to_mapping

    try:
        etas = [float(v) for v in args.eta.split(",")]
        snrs = [float(v) for v in args.snr.split(",")]
    except ValueError:
        raise DvstError("--eta and --snr take comma-separated numbers") from None
    if not etas or not all(0 < e <= 4 for e in etas) or not all(-10 <= s <= 40 for s in snrs):
        raise DvstError("--eta values must lie in (0, 4], --snr values in -10 … 40 dB")
    if not 1 <= args.threads <= 64:
        raise DvstError(f"--threads must be in 1 … 64, got {args.threads}")
    torch.set_num_threads(args.threads)
    codec = load_codec(args.model)
    model = codec.model.eval()
    res = []
    for path in args.images:
        frame = read_frames(path, max_frames=1)[0]
        if min(frame.shape[:2]) < model.config.pad_multiple:
            raise DvstError(f"{path}: smaller than the model's {model.config.pad_multiple}-pixel blocks")
        res.append(measure_ceiling(model, frame, Path(path).stem, etas, snrs))
    rows = []
    for r in res:
        rows.append((r.name, f"g_s(g_a(x)) {r.transform_db:.2f} dB, g_s(round y) {r.transform_rounded_db:.2f} dB, "
                             f"latent {r.latent_bpp:.3f} bit/pixel"))
        rows += [(f"  η {p.eta:g}, {p.snr_db:g} dB", f"{p.psnr_db:.2f} dB at analog CBR {p.analog_cbr:.4f} "
                  f"(capacity {p.capacity_bpp:.3f} bit/pixel); JSCC {p.jscc_db:.1f} dB") for p in r.points]
        rows += [(f"  every patch {p.symbols} symbols, {p.snr_db:g} dB",
                  f"{p.psnr_db:.2f} dB at analog CBR {p.analog_cbr:.4f} (capacity {p.capacity_bpp:.3f} bit/pixel)")
                 for p in r.fixed]
    print_table(rows, title=f"dvst bench ceiling ({codec.name}, I-frames, AWGN)")
    write_json(args.json, {"model": codec.name, "images": [to_mapping(r) for r in res]})
    return 0


def register(sub) -> None:
    from dvst.console import add_json_flag

    p = sub.add_parser("ceiling", help="where an I-frame's quality goes: transforms, JSCC, channel",
                       description="The transform pair alone, the rounded latent, and the whole JSCC "
                                   "through AWGN over η and SNR, on images coded as I-frames.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="photographs (any input a frame can come from)")
    p.add_argument("--model", help="zoo name, checkpoint or config (default: the shipped default)")
    p.add_argument("--eta", default="0.1,0.24,0.6", help="bandwidth scales η (default 0.1,0.24,0.6)")
    p.add_argument("--snr", default="10,20", help="channel SNRs in dB (default 10,20)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    add_json_flag(p)
    p.set_defaults(func=run)
