"""The inference fast paths (channels-last weights, the decoder's per-layer bank) leave the
shipped model's outputs unchanged: VideoEncoder/VideoDecoder against the model's training-path
code on an untouched copy, same frames, same seed, within float rounding."""

import copy

import numpy as np
import pytest
import torch

from dvst.codec import VideoDecoder, VideoEncoder
from dvst.codec.symbol_channel import snr_tensor
from dvst.codec.video import frame_to_tensor, pad_frames
from dvst.frames import ReceivedFrame

TOL = 1e-4


@pytest.fixture(scope="module")
def shipped():
    zoo = pytest.importorskip("dvst.zoo")
    try:
        return zoo.load_model("small-psnr-r1")
    except Exception as e:  # noqa: BLE001 - weights not installed in this checkout
        pytest.skip(f"shipped weights unavailable: {e}")


def clip(n, h=96, w=128, seed=0):
    """A small moving textured clip, uint8 [n, h, w, 3]."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h + 8, w + 8 * n, 3)).astype(np.float32)
    base = (base + np.roll(base, 1, 0) + np.roll(base, 1, 1)) / 3
    return np.stack([base[4:4 + h, 3 * i: 3 * i + w] for i in range(n)]).astype(np.uint8)


def test_decoder_bank_by_layer_equals_stacked_bank(shipped):
    dec = copy.deepcopy(shipped.link.decoder)
    n = 300
    g = torch.Generator().manual_seed(0)
    inp = torch.randn(n, 3 * dec.vmax, generator=g)
    pick = torch.randint(-1, len(dec._active), (n,), generator=g)   # −1: a 0-symbol patch
    every = dec.bank(inp).view(n, len(dec._active), -1)
    ref = torch.where((pick >= 0)[:, None], every[torch.arange(n), pick.clamp_min(0)], dec.empty)
    with torch.no_grad():
        fast = dec._bank_by_layer(inp, pick)
    assert torch.allclose(fast, ref.detach(), atol=1e-5)


def test_encoder_decoder_outputs_unchanged(shipped):
    ref_model = copy.deepcopy(shipped).eval()          # NCHW weights, training-path code
    fast_model = copy.deepcopy(shipped)
    enc, dec = VideoEncoder(fast_model, gop=4), VideoDecoder(fast_model)
    assert fast_model.g_a.embed.weight.is_contiguous(memory_format=torch.channels_last)
    for (n1, p1), (n2, p2) in zip(ref_model.state_dict().items(), fast_model.state_dict().items()):
        assert n1 == n2 and p1.shape == p2.shape and torch.equal(p1, p2)   # weights untouched
    cfg = ref_model.config
    rng = np.random.default_rng(1)
    tx_ref = rx_ref = None
    snr = snr_tensor(10.0, 1, "cpu")
    eta, eta_mv = ref_model.link.eta, ref_model.motion_link.eta
    for i, frame in enumerate(clip(6)):
        ef = enc.encode(frame, 10.0)
        x = pad_frames(frame_to_tensor(frame), cfg.pad_multiple)
        with torch.enable_grad():        # the training path of every layer, the reference
            if ef.kind == "I":
                code, tx_ref = ref_model.transmit_iframe(x, snr, eta, True)
                sym = code["s"][code["mask"]]
            else:
                code, tx_ref = ref_model.transmit_pframe(x, tx_ref, snr, eta, eta_mv, True)
                sym = torch.cat([code["s_ml"][code["mask_ml"]], code["s_pl"][code["mask_pl"]]])
            tx_ref.x = tx_ref.x.clamp(0, 1)
        sym = sym.detach().numpy()
        assert np.abs(ef.symbols - (sym[:, 0] + 1j * sym[:, 1])).max() < TOL
        if (i + 1) % 4:                  # the encoder keeps a reference except at a GOP's end
            assert (enc._ref.x - tx_ref.x).abs().max() < TOL

        k = ef.symbols.size
        noise = (rng.standard_normal(k) + 1j * rng.standard_normal(k)) * np.sqrt(0.05)
        rx = ReceivedFrame(ef.index, ef.kind, (ef.symbols + noise).astype(np.complex64),
                           np.full(k, 0.1, np.float32), ef.side_info, 10.0)
        img = dec.decode(rx)
        with torch.enable_grad():
            to_idx = lambda a: torch.from_numpy(a.astype(np.int64))[None]  # noqa: E731
            if ef.kind == "I":
                s, nv, _ = dec._slots(rx.symbols, rx.noise_var, code["idx"][0].numpy(), cfg.v_primary, 0, "cpu")
                rx_ref = ref_model.receive_iframe(s, nv, code["idx"], snr)
            else:
                parts = {}
                idx_ml, idx_pl = code["idx_ml"][0].numpy(), code["idx_pl"][0].numpy()
                parts["s_ml"], parts["nv_ml"], off = dec._slots(rx.symbols, rx.noise_var, idx_ml,
                                                                cfg.v_motion, 0, "cpu")
                parts["s_pl"], parts["nv_pl"], _ = dec._slots(rx.symbols, rx.noise_var, idx_pl,
                                                              cfg.v_primary, off, "cpu")
                parts["idx_ml"], parts["idx_pl"] = to_idx(idx_ml), to_idx(idx_pl)
                rx_ref, _, _ = ref_model.receive_pframe(parts, rx_ref, snr)
            rx_ref.x = rx_ref.x.clamp(0, 1)
        assert (dec._ref.x - rx_ref.x).abs().max() < TOL
        want = rx_ref.x[0, :, :96, :128].mul(255).round().permute(1, 2, 0).detach().numpy()
        assert np.abs(img.astype(np.float64) - want).max() <= 1    # uint8 rounding only
