#!/usr/bin/env python3
"""PyTorch CPU benchmark peer for the native engine: training and greedy-generation throughput, peak RSS.

Training: full fine-tuning (--mode full) or PEFT LoRA (--mode lora: --lora-rank/--lora-alpha on all seven
projections, no dropout, as the quick start), AdamW (same hyperparameters as the golden case), grad clipping
1.0, random token batches [batch, seq_len] (seeded), labels = inputs (HF shift-by-one loss).
    train_tokens_per_s = batch * seq_len * measured_steps / seconds (forward + backward + clip + step)
Generation: model.generate(do_sample=False, use_cache=True), `gen_batch` random prompts of
`prompt_len` tokens, exactly `gen_tokens` new tokens (eos disabled via min_new_tokens).
    gen_tokens_per_s    = gen_batch * gen_tokens / seconds of the whole generate() call
    prefill_tokens_per_s = gen_batch * prompt_len / seconds of one forward over the prompt
    decode_tokens_per_s  = gen_batch * (gen_tokens - 1) / (generate seconds - prefill seconds)
max_rss_mb: this process's peak resident set (getrusage ru_maxrss), torch and the model included; cpu_s: its
user + system CPU seconds. tools/bench/engine-cpu.ts runs one process per figure (full, lora, gen).

Prints one JSON object. Example:
    python tools/tiny-model/make_tiny_model.py --preset small-llama --out /tmp/small-llama
    tools/parity/.venv/bin/python tools/parity/torch_cpu_bench.py --model /tmp/small-llama \
        --batch 4 --seq-len 256 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import parity_common as pc  # noqa: E402

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}


def bench_train(model, vocab: int, batch: int, seq_len: int, steps: int, warmup: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, betas=pc.BETAS, eps=pc.EPS, weight_decay=pc.WEIGHT_DECAY)
    model.train()
    times, losses = [], []
    for i in range(warmup + steps):
        ids = torch.randint(0, vocab, (batch, seq_len), generator=g)
        t0 = time.perf_counter()
        loss = model(input_ids=ids, labels=ids, use_cache=False).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, pc.MAX_GRAD_NORM)
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        if i >= warmup:
            times.append(dt)
            losses.append(loss.item())
    total = sum(times)
    return {"train_tokens_per_s": batch * seq_len * steps / total, "train_step_s_mean": total / steps,
            "train_step_s_min": min(times), "train_loss_last": losses[-1]}


@torch.no_grad()
def bench_generate(model, vocab: int, gen_batch: int, prompt_len: int, gen_tokens: int, reps: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed + 1)
    model.eval()
    ids = torch.randint(0, vocab, (gen_batch, prompt_len), generator=g)
    mask = torch.ones_like(ids)
    kw = dict(do_sample=False, max_new_tokens=gen_tokens, min_new_tokens=gen_tokens, use_cache=True,
              pad_token_id=0, attention_mask=mask)
    model.generate(input_ids=ids, **{**kw, "max_new_tokens": 2, "min_new_tokens": 2})  # warm-up
    pre, gen = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        model(input_ids=ids, attention_mask=mask, use_cache=True)
        pre.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = model.generate(input_ids=ids, **kw)
        gen.append(time.perf_counter() - t0)
        assert out.shape[1] == prompt_len + gen_tokens
    p, t = min(pre), min(gen)
    return {
        "gen_tokens_per_s": gen_batch * gen_tokens / t,
        "prefill_tokens_per_s": gen_batch * prompt_len / p,
        "decode_tokens_per_s": gen_batch * (gen_tokens - 1) / max(t - p, 1e-9),
        "gen_s": t,
        "prefill_s": p,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model dir (or a tiny model name, e.g. tiny-llama)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32")
    ap.add_argument("--attn", choices=["eager", "sdpa"], default="sdpa")
    ap.add_argument("--mode", choices=["full", "lora"], default="full", help="what training trains")
    ap.add_argument("--lora-rank", type=int, default=16)
    ap.add_argument("--lora-alpha", type=float, default=32.0)
    ap.add_argument("--train-steps", type=int, default=5)
    ap.add_argument("--warmup-steps", type=int, default=1)
    ap.add_argument("--gen-batch", type=int, default=1)
    ap.add_argument("--prompt-len", type=int, default=32)
    ap.add_argument("--gen-tokens", type=int, default=64)
    ap.add_argument("--gen-reps", type=int, default=2)
    ap.add_argument("--skip-train", action="store_true")
    ap.add_argument("--skip-gen", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    from transformers import AutoModelForCausalLM

    path = pc.model_dir(args.model)
    model = AutoModelForCausalLM.from_pretrained(str(path), attn_implementation=args.attn, dtype=DTYPES[args.dtype])
    cfg = model.config
    vocab = cfg.vocab_size
    if args.mode == "lora" and not args.skip_train:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=args.lora_rank, lora_alpha=args.lora_alpha, lora_dropout=0.0,
                                                 target_modules=pc.TARGET_MODULES, bias="none"))
    result = {
        "model": str(path),
        "model_type": cfg.model_type,
        "params": sum(p.numel() for p in model.parameters()),
        "batch": args.batch,
        "seq_len": args.seq_len,
        "threads": torch.get_num_threads(),
        "dtype": args.dtype,
        "attn_implementation": args.attn,
        "mode": args.mode,
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
    }
    if not args.skip_train:
        result.update(bench_train(model, vocab, args.batch, args.seq_len, args.train_steps, args.warmup_steps,
                                  args.seed))
        result["train_steps_measured"] = args.train_steps
    if not args.skip_gen:
        result.update(bench_generate(model, vocab, args.gen_batch, args.prompt_len, args.gen_tokens,
                                     args.gen_reps, args.seed))
        result.update({"gen_batch": args.gen_batch, "prompt_len": args.prompt_len, "gen_tokens": args.gen_tokens})
    ru = resource.getrusage(resource.RUSAGE_SELF)
    result["max_rss_mb"] = ru.ru_maxrss / 1024  # KiB on Linux
    result["cpu_s"] = ru.ru_utime + ru.ru_stime
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
