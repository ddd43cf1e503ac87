"""A real H.264 / H.265 encoder and decoder (libx264 / libx265 through PyAV) in low-delay P.

Configuration, as in the paper's separation baseline: preset ``veryfast``, tune
``zerolatency``, no B-frames, scene-cut detection off, a fixed thread count (so the bitstream
is reproducible), a closed GOP of ``gop`` frames (one IDR, ``gop − 1`` P-frames), rate set by
a constant QP or a CRF. Parameter sets are repeated at every IDR, so each GOP decodes on its
own after a loss.

Only the bits a receiver needs are counted and sent: SEI NAL units — x264's version/options
string, x265's per-keyframe encoder-info block — are stripped from the Annex-B stream. They
carry nothing the decoder uses (a test checks the decoded video is unchanged).

Frames are RGB uint8 [H, W, 3]; they are converted to YUV 4:2:0 (BT.601 limited range,
FFmpeg's default) for coding and back to RGB after decoding, so quality is measured on the
same RGB frames as every other scheme. Odd sizes are padded to even by edge replication and
cropped after decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from baselines.errors import BaselineError

CODECS = {"h264": ("libx264", "h264"), "h265": ("libx265", "hevc")}
SEI_NAL_TYPES = {"h264": {6}, "h265": {39, 40}}  # H.264 SEI; HEVC prefix and suffix SEI


@dataclass
class Bitstream:
    """An Annex-B bitstream cut into access units, one per frame, SEI removed.

    frames: bytes per frame in coding order (= display order: no B-frames).
    kinds: "I" (IDR) or "P" per frame. width, height: the source size (before even padding).
    """

    codec: str
    width: int
    height: int
    gop: int
    frames: list[bytes]
    kinds: list[str]
    rate: dict = field(default_factory=dict)  # {"qp": 30} or {"crf": 23}

    @property
    def frame_bits(self) -> np.ndarray:
        """int64 [T]: bits of each frame's access unit."""
        return np.array([8 * len(f) for f in self.frames], dtype=np.int64)

    @property
    def n_bits(self) -> int:
        return int(self.frame_bits.sum())

    def payload(self) -> bytes:
        """The whole stream as one byte string (frames back to back)."""
        return b"".join(self.frames)


def split_nal_units(data: bytes) -> list[bytes]:
    """Annex-B bytes → NAL units, each still carrying its own 3- or 4-byte start code."""
    starts = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i - 1 if i > 0 and data[i - 1] == 0 else i)
        i = data.find(b"\x00\x00\x01", i + 3)
    if not starts:
        return [data] if data else []
    return [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]


def nal_type(codec: str, nal: bytes) -> int:
    """The nal_unit_type of one start-code-prefixed NAL unit."""
    head = nal[nal.find(b"\x00\x00\x01") + 3]
    return head & 0x1F if codec == "h264" else (head >> 1) & 0x3F


def strip_sei(codec: str, access_unit: bytes) -> bytes:
    """Remove SEI NAL units (no decoder needs them) from an access unit."""
    drop = SEI_NAL_TYPES[codec]
    return b"".join(n for n in split_nal_units(access_unit) if nal_type(codec, n) not in drop)


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or frames.shape[0] == 0:
        raise BaselineError(f"frames must be uint8 [T, H, W, 3] with T ≥ 1, got {frames.dtype} {list(frames.shape)}")
    if frames.shape[1] < 16 or frames.shape[2] < 16:
        raise BaselineError(f"frames must be at least 16×16 pixels for H.264/H.265, "
                            f"got {frames.shape[2]}×{frames.shape[1]}")
    return frames


def _pad_even(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return np.ascontiguousarray(img)
    return np.pad(img, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def encode(frames: np.ndarray, codec: str = "h264", gop: int = 4, qp: int | None = None,
           crf: float | None = None, threads: int = 1, preset: str = "veryfast",
           keep_sei: bool = False) -> Bitstream:
    """Encode RGB uint8 frames [T, H, W, 3] in low-delay P; exactly one of ``qp`` / ``crf``.

    qp: constant quantiser (0…51); crf: constant rate factor (0…51). Returns the SEI-free
    :class:`Bitstream` (``keep_sei=True`` keeps the SEI, only to show it changes nothing).
    """
    import av

    if codec not in CODECS:
        raise BaselineError(f"unknown video codec {codec!r}; choose h264 or h265")
    if (qp is None) == (crf is None):
        raise BaselineError("give exactly one of qp or crf for the H.26x encoder")
    value = qp if qp is not None else crf
    if not 0 <= float(value) <= 51:
        raise BaselineError(f"{'qp' if qp is not None else 'crf'} must be in 0…51, got {value}")
    if int(gop) < 1:
        raise BaselineError(f"GOP must be ≥ 1, got {gop}")
    if int(threads) < 1:
        raise BaselineError(f"threads must be ≥ 1, got {threads}")
    frames = _check_frames(frames)
    t, h, w = frames.shape[:3]
    common = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:repeat-headers=1"
    if codec == "h264":
        params = {"x264-params": f"{common}:threads={threads}"}
    else:
        # info=1 keeps x265's default behaviour (the info SEI is emitted) and strip_sei removes it.
        params = {"x265-params": f"{common}:no-open-gop=1:frame-threads={threads}:pools={threads}"
                                 f":log-level=error"}
    rate = {"qp": int(qp)} if qp is not None else {"crf": float(crf)}
    cc = av.CodecContext.create(CODECS[codec][0], "w")
    cc.width, cc.height = w + w % 2, h + h % 2
    cc.pix_fmt = "yuv420p"
    cc.time_base = Fraction(1, 25)
    cc.framerate = Fraction(25)
    cc.options = {"preset": preset, "tune": "zerolatency", **{k: str(v) for k, v in rate.items()}, **params}
    packets = []
    try:
        for i, img in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(_pad_even(img), format="rgb24").reformat(format="yuv420p")
            vf.pts = i
            packets += cc.encode(vf)
        packets += cc.encode(None)
    except av.error.FFmpegError as e:
        raise BaselineError(f"{CODECS[codec][0]} failed: {e}") from None
    if len(packets) != t:
        raise BaselineError(f"{CODECS[codec][0]} returned {len(packets)} packets for {t} frames")
    packets.sort(key=lambda p: p.pts)
    aus = [bytes(p) if keep_sei else strip_sei(codec, bytes(p)) for p in packets]
    kinds = ["I" if p.is_keyframe else "P" for p in packets]
    for i, k in enumerate(kinds):
        if k != ("I" if i % gop == 0 else "P"):
            raise BaselineError(f"{CODECS[codec][0]} did not keep the GOP structure at frame {i}")
    return Bitstream(codec, w, h, gop, aus, kinds, rate)


def decode(stream: Bitstream, received: np.ndarray | list[bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Decode with the real decoder (FFmpeg's h264 / hevc); returns (frames, shown).

    received: bool [T], whether each frame's access unit arrived intact (default: all).
    Receiver policy for a lost frame: it is not decoded, and neither is any later frame of its
    GOP (they reference it, directly or through the chain of P-frames); the display repeats
    the last good frame (mid-grey before the first one) until the next IDR resynchronises.

    frames: uint8 [T, H, W, 3] as displayed; shown: bool [T], True where the frame itself was
    decoded (False where a concealment copy is displayed).
    """
    import av

    n = len(stream.frames)
    ok = np.ones(n, bool) if received is None else np.asarray(received, bool).reshape(-1)
    if ok.size != n:
        raise BaselineError(f"received flags cover {ok.size} frames, the stream has {n}")
    decodable = np.zeros(n, bool)
    chain = False
    for i in range(n):
        if stream.kinds[i] == "I":
            chain = bool(ok[i])
        else:
            chain = chain and bool(ok[i])
        decodable[i] = chain
    cc = av.CodecContext.create(CODECS[stream.codec][1], "r")
    cc.thread_count = 1
    decoded: list[np.ndarray] = []
    try:
        for i in np.flatnonzero(decodable):
            for f in cc.decode(av.Packet(stream.frames[i])):
                decoded.append(f.to_ndarray(format="rgb24"))
        for f in cc.decode(None):
            decoded.append(f.to_ndarray(format="rgb24"))
    except av.error.FFmpegError as e:
        raise BaselineError(f"{stream.codec} decoder failed: {e}") from None
    if len(decoded) != int(decodable.sum()):
        raise BaselineError(f"{stream.codec} decoder returned {len(decoded)} frames for {int(decodable.sum())} packets")
    out = np.empty((n, stream.height, stream.width, 3), np.uint8)
    last = np.full((stream.height, stream.width, 3), 128, np.uint8)
    it = iter(decoded)
    for i in range(n):
        if decodable[i]:
            last = next(it)[: stream.height, : stream.width]
        out[i] = last
    return out, decodable
