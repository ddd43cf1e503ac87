"""Can the I-frame JSCC of a trained model do better with its transforms held fixed?

Freezes g_a, g_s and the entropy model of MODEL's I-frame codec and trains the JSCC encoder and
decoder alone on the recipe's training data (random 192² crops, batch 8, MSE of g_s(ŷ) against x,
Adam), optionally deepened first (``--depth``: Swin blocks appended on each side, starting as the
identity, so the model is unchanged at step 0) or at one fixed bandwidth and SNR for every patch
(``--symbols``, ``--snr``; default: η log-uniform in [0.06, 0.3] through the entropy model, SNR
uniform in 0–20 dB, as the recipe trains). Every ``--eval-every`` steps it prints PSNR on two
held-out photographs at 10 dB with every patch at 8 and at 24 symbols and with the entropy-driven
allocation at η 0.15 (the ``--symbols`` SNR for the 24-symbol point when ``--symbols`` is given).
The weights are not saved: this answers a question, it does not train a model. Figures quoted in
docs/training.md ("The JSCC's saturation").

    .venv/bin/python scripts/jscc_probe.py --steps 1200 --lr 1e-4 [--depth 6] [--symbols 24 --snr 20]
"""

from __future__ import annotations

import argparse
import math
import random
import time

import numpy as np
import torch

from dvst.codec.model_config import load_model_config
from dvst.codec.symbol_channel import transmit
from dvst.codec.video import DVSTModel
from dvst.eval.metrics import psnr_db
from dvst.io.video import read_frames
from dvst.link.codec import load_codec
from dvst.train.data import load_training
from dvst.train.recipe import load_train_config

PHOTOS = ("compressai_stmalo_fracape", "skimage_coffee")


def deepened(model: DVSTModel, depth: int) -> DVSTModel:
    """A copy of ``model`` with ``depth`` Swin blocks on each side of every JSCC; the appended
    blocks' residual branches start at zero (identity), so the copy computes what ``model`` does."""
    old = len(model.iframe.link.encoder.backbone.blocks)
    out = DVSTModel(load_model_config(model.config.name, swin_depth=depth))
    out.load_state_dict(model.state_dict(), strict=False)
    for side in (out.iframe.link.encoder, out.iframe.link.decoder):
        for blk in list(side.backbone.blocks)[old:]:
            for lin in (blk.attn.proj, blk.mlp[2]):
                torch.nn.init.zeros_(lin.weight)
                torch.nn.init.zeros_(lin.bias)
    return out


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR of x̂ against x, float [1, 3, H, W] (``dvst.eval.metrics.psnr_db``)."""
    return psnr_db(a.clamp(0, 1).numpy(), b.numpy(), peak=1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="quality-r2")
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--depth", type=int, default=0, help="Swin blocks per side (0: as trained)")
    ap.add_argument("--symbols", type=int, default=0, help="every patch at this value of V (0: allocated)")
    ap.add_argument("--snr", type=float, default=10.0, help="training SNR with --symbols, dB")
    ap.add_argument("--eval-every", type=int, default=150)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default="../shared/data")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = random.Random(0)

    model = load_codec(args.model).model
    if args.depth:
        model = deepened(model, args.depth)
    model.eval()
    ic, link = model.iframe, model.iframe.link
    for p in model.parameters():
        p.requires_grad_(False)
    params = [p for m in (link.encoder, link.decoder) for p in m.parameters()]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=args.lr)

    m = model.config.pad_multiple
    photos = []
    for name in PHOTOS:
        img = read_frames(f"{args.data}/images/{name}.png", max_frames=1)[0]
        h, w = (img.shape[0] // m) * m, (img.shape[1] // m) * m
        photos.append(torch.from_numpy(np.ascontiguousarray(img[:h, :w])).permute(2, 0, 1)[None].float() / 255)

    def evaluate() -> str:
        out = []
        with torch.no_grad():
            for x in photos:
                y = ic.g_a(x)
                alloc = link.allocate(link.rate(y)["bits_patch"], 0.15)
                row = []
                for v in (8, 24, None):
                    idx = alloc if v is None else torch.full_like(alloc, link.values.index(v))
                    snr = torch.full((1,), args.snr if (args.symbols and v == 24) else 10.0)
                    s, mask = link.encoder(y, None, idx, snr)
                    s_hat, nv = transmit(s, mask, snr, "awgn", generator=torch.Generator().manual_seed(0))
                    row.append(psnr(ic.g_s(link.decoder(s_hat, nv, idx, None, snr)), x))
                out.append("/".join(f"{r:.2f}" for r in row))
        return "  ".join(out)

    cfg = load_train_config("quality_psnr")
    cfg.data.root = args.data
    seqs = [q.frames for q in load_training(cfg.data) if min(q.frames.shape[1:3]) >= 192]
    print(f"step 0: {evaluate()}  (PSNR at 8 / 24 symbols / η 0.15 on {', '.join(PHOTOS)})", flush=True)
    t0, avg = time.time(), None
    for step in range(1, args.steps + 1):
        crops = []
        for _ in range(8):
            q = seqs[rng.randrange(len(seqs))]
            f = q[rng.randrange(len(q))]
            i, j = rng.randrange(f.shape[0] - 191), rng.randrange(f.shape[1] - 191)
            crops.append(f[i:i + 192, j:j + 192])
        x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255
        with torch.no_grad():
            y = ic.g_a(x)
            bits = link.rate(y)["bits_patch"]
        if args.symbols:
            idx = torch.full_like(link.allocate(bits), link.values.index(args.symbols))
            snr = torch.full((8,), args.snr)
        else:
            idx = link.allocate(bits, math.exp(rng.uniform(math.log(0.06), math.log(0.3))))
            snr = torch.rand(8) * 20
        s, mask = link.encoder(y, None, idx, snr)
        s_hat, nv = transmit(s, mask, snr, "awgn")
        loss = ((ic.g_s(link.decoder(s_hat, nv, idx, None, snr)) - x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        avg = float(loss.detach()) if avg is None else 0.95 * avg + 0.05 * float(loss.detach())
        if step % args.eval_every == 0 or step == args.steps:
            print(f"step {step} ({time.time() - t0:.0f} s, training PSNR {-10 * math.log10(avg):.2f}): "
                  f"{evaluate()}", flush=True)


if __name__ == "__main__":
    main()
