"""Writes tools/bench/gpu/results.md from a proof run's work folder (prove.sh): the stages with their outcome
and time, then the benchmark table: tokens/s, the ratios the issue's targets name, peak memory, MFU against
989 TFLOP/s (H100/H200 dense bf16 datasheet) and ~790 TFLOP/s (a bf16 GEMM measured on these machines).

  python3 report.py WORK_DIR OUT.md
WORK_DIR holds stages.tsv (name, status, seconds, note), bench.tsv (shape, JSON line) and curve.csv.
"""
import json
import sys
from pathlib import Path

from shapes import SHAPES, flops_per_token

PEAK, MEASURED = 989e12, 790e12


def main(work: Path, out: Path):
    lines = ["# GPU proof run", ""]
    meta = work / "meta.txt"
    if meta.exists():
        lines += ["```", meta.read_text().strip(), "```", ""]
    lines += ["| stage | outcome | seconds | note |", "| --- | --- | --- | --- |"]
    stages = work / "stages.tsv"
    for row in stages.read_text().splitlines() if stages.exists() else []:
        name, status, secs, note = (row.split("\t") + ["", "", ""])[:4]
        lines.append(f"| {name} | {status} | {secs} | {note} |")
    rows = []
    bench = work / "bench.tsv"
    for row in bench.read_text().splitlines() if bench.exists() else []:
        shape, js = row.split("\t", 1)
        r = json.loads(js)
        r["shape"] = shape
        if "flops_per_token" not in r:
            r["flops_per_token"] = flops_per_token(SHAPES[shape], r["params"], r["mode"], 512)
        rows.append(r)
    if rows:
        lines += ["", "## Training throughput (seq 2048 packed, samples of 512, batch 1, bf16 compute)", "",
                  "| shape | mode | side | tokens/s | × HF+PEFT SDPA | × HF+Liger | peak GiB | peak × HF SDPA | "
                  "MFU vs 989 | MFU vs 790 |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for r in rows:
            base = next((b for b in rows if b["shape"] == r["shape"] and b["mode"] == r["mode"]
                         and b["side"].endswith("-sdpa") and "liger" not in b["side"]), None)
            liger = next((b for b in rows if b["shape"] == r["shape"] and b["mode"] == r["mode"]
                          and "liger" in b["side"]), None)
            achieved = r["tokens_per_s"] * r["flops_per_token"]
            ratio = lambda b, k: f"{r[k] / b[k]:.2f}" if b else "—"
            lines.append(
                f"| {r['shape']} | {r['mode']} | {r['side']} | {r['tokens_per_s']:.0f} | {ratio(base, 'tokens_per_s')} "
                f"| {ratio(liger, 'tokens_per_s')} | {r['peak_bytes'] / 2**30:.2f} | {ratio(base, 'peak_bytes')} "
                f"| {100 * achieved / PEAK:.1f} % | {100 * achieved / MEASURED:.1f} % |")
        lines += ["", "Targets (issue 21): ≥ 1.3× HF+PEFT tokens/s, ≥ 1.0× HF+Liger, MFU ≥ 40 % on full fine-tuning, "
                  "LoRA peak memory ≤ 0.6× HF+PEFT. MFU counts 6N (full) or 4N (LoRA) FLOPs per token plus causal "
                  "attention within the 512-token samples."]
    curve = work / "curve.csv"
    if curve.exists():
        pts = [l.split(",") for l in curve.read_text().splitlines()[1:]]
        pick = [p for p in pts if int(p[0]) in (1, 10, 50, 100, 150, 200)]
        lines += ["", "## Loss curve, tiny-qwen2, 200 steps (CPU vs CUDA, same batches)", "",
                  "| step | cpu | cuda |", "| --- | --- | --- |"] + [f"| {s} | {c} | {g} |" for s, c, g in pick]
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
