"""The PyTorch side of the GPU benchmark: Hugging Face transformers (+ peft for LoRA), eager or SDPA attention,
optionally with Liger kernels, on a random-initialised model of one of shapes.SHAPES. Mixed precision as such
runs train: f32 weights and AdamW state, bf16 autocast for the compute. Prints one JSON line.

  python3 hf_bench.py --shape qwen2-0.5b --mode full|lora --attn sdpa|eager [--liger] [--seq 2048] [--steps 8]
  python3 hf_bench.py --shape qwen2-0.5b --save DIR   # writes the random-init model for the engine (bf16)

Packing: each row holds samples of --sample tokens whose position_ids restart; eager/SDPA attention still spans
the whole row (transformers masks packed samples only with flash-attention kernels), which costs HF some extra
attention FLOPs but no more than that; MFU counts only the packed-sample attention for both sides.
"""
import argparse
import json
import time

import torch

from shapes import LORA_TARGETS, SHAPES, flops_per_token


def build(shape_name: str, attn: str, liger: bool):
    import transformers

    shape = dict(SHAPES[shape_name])
    if liger:
        import liger_kernel.transformers as lk

        # Before construction: Liger swaps the module classes (RMSNorm, RoPE, SwiGLU MLP, fused linear CE).
        {"qwen2": lk.apply_liger_kernel_to_qwen2, "llama": lk.apply_liger_kernel_to_llama}[shape["model_type"]]()
    config = transformers.AutoConfig.for_model(**shape)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation=attn)  # f32 by default
    return shape, model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", required=True, choices=sorted(SHAPES))
    ap.add_argument("--mode", default="full", choices=["full", "lora"])
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    ap.add_argument("--liger", action="store_true")
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--sample", type=int, default=512)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--save", help="write the random-init model (bf16 safetensors) here and exit")
    a = ap.parse_args()

    shape, model = build(a.shape, a.attn, a.liger)
    if a.save:
        model.to(torch.bfloat16).save_pretrained(a.save, safe_serialization=True)
        print(json.dumps({"saved": a.save, "params": sum(p.numel() for p in model.parameters())}))
        return
    params = sum(p.numel() for p in model.parameters())
    model.cuda()
    if a.mode == "lora":
        import peft

        # The frozen base in bf16 (what HF + PEFT users run), adapters in f32.
        model.to(torch.bfloat16)
        cfg = peft.LoraConfig(r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0, target_modules=LORA_TARGETS)
        model = peft.get_peft_model(model, cfg)
        for p in model.parameters():
            if p.requires_grad:
                p.data = p.data.float()
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-5, fused=True)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, shape["vocab_size"], (a.batch, a.seq), generator=g).cuda()
    pos = (torch.arange(a.seq) % a.sample).repeat(a.batch, 1).cuda()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = None
    for s in range(a.warmup + a.steps):
        if s == a.warmup:
            torch.cuda.synchronize()
            start = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=ids, position_ids=pos, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    secs = time.perf_counter() - start
    side = "hf" + ("+peft" if a.mode == "lora" else "") + f"-{a.attn}" + ("+liger" if a.liger else "")
    print(json.dumps({
        "side": side, "shape": a.shape, "mode": a.mode, "params": params, "batch": a.batch, "seq": a.seq,
        "steps": a.steps, "seconds": round(secs, 4), "tokens_per_s": round(a.batch * a.seq * a.steps / secs, 1),
        "peak_bytes": torch.cuda.max_memory_allocated(), "last_loss": round(float(loss), 4),
        "flops_per_token": flops_per_token(shape, params, a.mode, a.sample),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
