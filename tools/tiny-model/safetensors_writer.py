"""safetensors writing for the tiny models: hand-rolled so that bf16 works without torch, byte-identical output
(tensors in the given order, an 8-byte-aligned header, metadata {"format": "pt"}, optional shards with an index)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np



def f32_to_bf16_bits(a: np.ndarray) -> np.ndarray:
    """Round-to-nearest-even f32 -> bf16, returned as uint16 bit patterns (same as torch .to(bfloat16))."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    out = ((bits + rounding) >> 16).astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        out[nan] = 0x7FC0
    return out


def encode_tensor(a: np.ndarray, dtype: str) -> tuple[str, bytes]:
    if dtype == "f32":
        return "F32", np.ascontiguousarray(a, "<f4").tobytes()
    if dtype == "f16":
        return "F16", np.ascontiguousarray(a.astype("<f2")).tobytes()
    if dtype == "bf16":
        return "BF16", np.ascontiguousarray(f32_to_bf16_bits(a), "<u2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], dtype: str) -> int:
    """Write tensors in the given order, 8-byte-aligned header, metadata {"format": "pt"}."""
    header: dict = {"__metadata__": {"format": "pt"}}
    blobs = []
    off = 0
    for name, arr in tensors.items():
        st_dtype, data = encode_tensor(arr, dtype)
        header[name] = {"dtype": st_dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    hbytes = json.dumps(header, separators=(",", ":")).encode()
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for b in blobs:
            f.write(b)
    return off


def write_weights(out: Path, weights: dict[str, np.ndarray], dtype: str, shard_size: int | None) -> None:
    itemsize = {"f32": 4, "bf16": 2, "f16": 2}[dtype]
    if not shard_size:
        write_safetensors(out / "model.safetensors", weights, dtype)
        return
    shards: list[dict[str, np.ndarray]] = [{}]
    cur = 0
    for name, arr in weights.items():
        nbytes = arr.size * itemsize
        if shards[-1] and cur + nbytes > shard_size:
            shards.append({})
            cur = 0
        shards[-1][name] = arr
        cur += nbytes
    n = len(shards)
    weight_map: dict[str, str] = {}
    total = 0
    for k, shard in enumerate(shards, start=1):
        fname = f"model-{k:05d}-of-{n:05d}.safetensors"
        total += write_safetensors(out / fname, shard, dtype)
        for name in shard:
            weight_map[name] = fname
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
