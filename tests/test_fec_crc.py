"""CRCs of 3GPP TS 38.212 5.1 and the zlib CRC-32, on bit arrays."""
import zlib

import numpy as np
import pytest

from foundation.errors import ProjectError
from radio.fec.crc import KINDS, attach_crc, check_crc, crc32_bits, crc_bits, crc_length


def _polydiv_remainder(bits, width, poly):
    """Textbook long division of M(x) x^L by G(x), one coefficient at a time (independent of the kernel)."""
    g = [1] + [(poly >> (width - 1 - i)) & 1 for i in range(width)]
    r = list(bits) + [0] * width
    for i in range(len(bits)):
        if r[i]:
            for j in range(width + 1):
                r[i + j] ^= g[j]
    return r[len(bits):]


@pytest.mark.parametrize("kind,width,poly", [("crc24a", 24, 0x864CFB), ("crc24b", 24, 0x800063),
                                             ("crc24c", 24, 0xB2B117), ("crc16", 16, 0x1021),
                                             ("crc11", 11, 0x621), ("crc6", 6, 0x21)])
def test_38212_crc_is_the_polynomial_remainder(kind, width, poly):
    rng = np.random.default_rng(width)
    for n in (1, 7, 40, 133):
        bits = rng.integers(0, 2, n, dtype=np.uint8)
        assert crc_bits(bits, kind).tolist() == _polydiv_remainder(bits.tolist(), width, poly)
        # The codeword is divisible by G: its own remainder is zero.
        assert not crc_bits(attach_crc(bits, kind), kind).any()


def test_crc16_ccitt_check_value():
    # CRC-16 with zero init and no reflection is CRC-16/XMODEM: check value 0x31C3 for "123456789".
    bits = np.unpackbits(np.frombuffer(b"123456789", np.uint8))
    assert int("".join(map(str, crc_bits(bits, "crc16"))), 2) == 0x31C3


def test_crc32_matches_zlib():
    rng = np.random.default_rng(0)
    for n in (0, 1, 5, 1000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        bits = np.unpackbits(np.frombuffer(data, np.uint8))
        assert int(crc32_bits(bits)) == zlib.crc32(data)
        assert int("".join(map(str, crc_bits(bits, "CRC-32"))) or "0", 2) == zlib.crc32(data)


def test_crc24a_equals_sionna():
    torch = pytest.importorskip("torch")
    CRCEncoder = pytest.importorskip("sionna.phy.fec.crc").CRCEncoder

    bits = np.random.default_rng(1).integers(0, 2, (5, 200), dtype=np.uint8)
    for kind in ("CRC24A", "CRC16", "CRC11", "CRC6"):
        ref = CRCEncoder(kind)(torch.tensor(bits, dtype=torch.float32)).numpy().astype(np.uint8)
        assert np.array_equal(attach_crc(bits, kind.lower()), ref)


@pytest.mark.parametrize("kind", KINDS)
def test_attach_and_check_batched_detects_errors(kind):
    rng = np.random.default_rng(3)
    msg = rng.integers(0, 2, (4, 3, 64), dtype=np.uint8)
    coded = attach_crc(msg, kind)
    assert coded.shape == (4, 3, 64 + crc_length(kind))
    out, ok = check_crc(coded, kind)
    assert ok.all() and np.array_equal(out, msg)
    coded[1, 2, 10] ^= 1
    coded[3, 0, -1] ^= 1
    _, ok = check_crc(coded, kind)
    assert ok.sum() == 10 and not ok[1, 2] and not ok[3, 0]


def test_bad_input_is_one_line_error():
    with pytest.raises(ProjectError):
        attach_crc(np.zeros(8, np.uint8), "crc99")
    with pytest.raises(ProjectError):
        crc32_bits(np.zeros(7, np.uint8))
    with pytest.raises(ProjectError):
        attach_crc(np.full(8, 2), "crc16")
    with pytest.raises(ProjectError):
        check_crc(np.zeros(10, np.uint8), "crc24a")
