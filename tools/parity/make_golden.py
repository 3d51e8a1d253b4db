#!/usr/bin/env python3
"""Write the PyTorch/transformers golden outputs the native engine is checked against.

For each committed tiny model (tools/tiny-model/models/<name>) this writes tools/parity/golden/<name>/:
    case.json            inputs + hyperparameters
    full.safetensors     logits, loss, grad.<hf name> for every parameter
    lora.safetensors     init.<peft name>, logits, loss, grad.<peft name> for every LoRA parameter
    lora_adapter_init/   the initial LoRA adapter as a PEFT adapter dir (adapter_config.json + safetensors)
    trajectory.json      20 AdamW steps: full FT, full FT with grad accumulation 2, LoRA
    trajectory.safetensors  parameters after the 20 steps (final.<name>, lora_final.<peft name>)
    greedy.json          greedy generation ids + per-token log-probs

See README.md for the exact format and conventions. Run:
    HF_HUB_OFFLINE=1 tools/parity/.venv/bin/python tools/parity/make_golden.py [--models tiny-llama tiny-qwen2 ...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import parity_common as pc  # noqa: E402

GOLDEN = HERE / "golden"


def tensors_to_save(d: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().to(torch.float32).contiguous().clone() for k, v in d.items()}


# ----------------------------------------------------------------------------------------------
# case
# ----------------------------------------------------------------------------------------------


def build_case(name: str) -> dict:
    tok = pc.load_tokenizer(name)
    cfg = json.loads((pc.model_dir(name) / "config.json").read_text())
    T = pc.SEQ_LEN

    # Row 0: one chat sample; loss only on the assistant answer (prompt labels = -100).
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": "Weather in Paris?"}], tokenize=False, add_generation_prompt=True
    )
    answer = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>"
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    a_ids = tok(answer, add_special_tokens=False)["input_ids"]
    n_prompt = T // 2  # keep the tail of the prompt so the row has both masked and unmasked labels
    row0 = (p_ids[-n_prompt:] + a_ids)[:T]
    assert len(row0) == T, (len(p_ids), len(a_ids))
    lab0 = [-100] * n_prompt + row0[n_prompt:]
    seg0 = [0] * T
    pos0 = list(range(T))

    # Row 1: three samples packed into one row; position ids restart at 0 for each sample and the
    # label of each sample's first token is -100 (it would be predicted from the previous sample).
    texts = [
        "Thought: I need the weather.\nAction: get_weather\nAction Input: {\"city\": \"Rome\"}",
        "Observation: 21 degrees.\nFinal Answer: It is 21 degrees in Rome.",
        "def add(a, b):\n    return a + b\n",
    ]
    lens = [9, 8, 7]
    assert sum(lens) == T
    row1, lab1, seg1, pos1, starts = [], [], [], [], []
    for s, (text, n) in enumerate(zip(texts, lens)):
        ids = tok(text, add_special_tokens=False)["input_ids"][:n]
        assert len(ids) == n
        starts.append(len(row1))
        row1 += ids
        lab1 += [-100] + ids[1:]
        seg1 += [s] * n
        pos1 += list(range(n))
    # additionally mask two tokens inside the second sample (a loss mask in the middle of a sample)
    lab1[starts[1] + 2] = -100
    lab1[starts[1] + 3] = -100

    gprompt = tok.apply_chat_template(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2 + 2?"}],
        tokenize=False, add_generation_prompt=True,
    )
    greedy_prompt = tok(gprompt, add_special_tokens=False)["input_ids"]

    return {
        "model": name,
        "model_dir": str(pc.model_dir(name).relative_to(REPO)),
        "model_type": cfg["model_type"],
        "vocab_size": cfg["vocab_size"],
        "batch_size": 2,
        "seq_len": T,
        "input_ids": [row0, row1],
        "labels": [lab0, lab1],
        "position_ids": [pos0, pos1],
        "segment_ids": [seg0, seg1],
        "sample_boundaries": [[[0, T]], [[a, a + n] for a, n in zip(starts, lens)]],
        "loss": {
            "reduction": "mean over all (batch, position) pairs whose shifted label != -100",
            "shift": "logits[b, t] predicts labels[b, t+1]; the last position of each row predicts nothing",
            "ignore_index": -100,
        },
        "attention": "causal AND same segment: key k visible to query q iff k <= q and segment_ids[b][k] == "
                     "segment_ids[b][q]; passed to HF as a 4D additive float mask [B,1,T,T] (0 / finfo.min)",
        "optimizer": {
            "name": "AdamW (torch.optim.AdamW, decoupled weight decay)",
            "lr": pc.LR,
            "betas": list(pc.BETAS),
            "eps": pc.EPS,
            "weight_decay": pc.WEIGHT_DECAY,
            "weight_decay_applies_to": "parameters with ndim >= 2 (weights, embeddings, LoRA A/B); "
                                       "not to biases or norm weights",
            "max_grad_norm": pc.MAX_GRAD_NORM,
            "schedule": "cosine_with_warmup",
            "schedule_fn": "transformers.get_cosine_schedule_with_warmup(num_cycles=0.5)",
            "warmup_steps": pc.WARMUP_STEPS,
            "steps": pc.STEPS,
            "num_training_steps": pc.STEPS,
            "lr_at_step": pc.lr_schedule_list(),
            "grad_accumulation_micro_batches": [[0], [1]],
        },
        "lora": {
            "r": pc.LORA_R,
            "alpha": pc.LORA_ALPHA,
            "scaling": pc.LORA_ALPHA / pc.LORA_R,
            "dropout": 0.0,
            "target_modules": pc.TARGET_MODULES,
            "bias": "none",
            "init": "A ~ U(-1/sqrt(in), 1/sqrt(in)), B ~ N(0, 0.02^2), from torch.Generator seed "
                    f"{pc.LORA_SEED}; exact values are in lora.safetensors (init.*)",
        },
        "greedy": {
            "prompt_ids": greedy_prompt,
            "max_new_tokens": pc.MAX_NEW_TOKENS,
            "eos_token_id": json.loads((pc.model_dir(name) / "generation_config.json").read_text())["eos_token_id"],
        },
    }


# ----------------------------------------------------------------------------------------------
# golden computations
# ----------------------------------------------------------------------------------------------


def full_golden(name: str, case: dict) -> tuple[dict[str, torch.Tensor], dict]:
    model = pc.load_model(name)
    batch = pc.case_tensors(case)
    out = pc.forward(model, batch)
    loss = out["loss"]
    manual = pc.manual_loss(out["logits"], batch["labels"])
    assert torch.allclose(loss, manual, rtol=1e-6, atol=1e-6), (loss, manual)

    # packed row == each sample run on its own (proves the 4D mask isolates samples)
    check = {}
    max_diff = 0.0
    for (a, b) in case["sample_boundaries"][1]:
        ids = batch["input_ids"][1:2, a:b]
        alone = model(input_ids=ids, position_ids=torch.arange(b - a)[None]).logits
        max_diff = max(max_diff, (alone[0] - out["logits"][1, a:b]).abs().max().item())
    assert max_diff < 1e-5, max_diff
    check["packed_vs_separate_max_abs_diff"] = max_diff
    # and == transformers' own packed-sequence detection (no mask, restarting position_ids)
    # transformers >= 4.5x detects packing from restarting position_ids when no mask is given -- but only
    # when no KV cache object exists; with the config default use_cache=True a DynamicCache is created and
    # the detection is silently skipped (plain causal mask => samples attend to each other).
    for uc in (False, True):
        auto = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=uc).logits
        check[f"hf_auto_packing_use_cache_{uc}_max_abs_diff"] = (auto - out["logits"]).abs().max().item()
    assert check["hf_auto_packing_use_cache_False_max_abs_diff"] < 1e-5
    window = pc.sliding_window(model)
    if window is not None:
        # pc.forward let transformers build the sliding-window mask: it must equal the block-diagonal causal mask
        # with the window written out, and the window must matter (it is shorter than every sample here).
        check["sliding_window"] = window
        for key, w in (("explicit_window_mask_max_abs_diff", window), ("no_window_max_abs_diff", None)):
            with torch.no_grad():
                explicit = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                                 attention_mask=pc.build_4d_mask(batch["segment_ids"], window=w)).logits
            check[key] = (explicit - out["logits"]).abs().max().item()
        assert check["explicit_window_mask_max_abs_diff"] < 1e-5, check
        assert check["no_window_max_abs_diff"] > 1e-3, check

    loss.backward()
    grads = {f"grad.{n}": p.grad for n, p in model.named_parameters()}
    res = {"logits": out["logits"], "loss": loss.detach().reshape(())}
    res.update(grads)
    check["n_loss_tokens"] = int((batch["labels"][:, 1:] != -100).sum())
    return tensors_to_save(res), check


def lora_golden(name: str, case: dict, out_dir: Path) -> dict[str, torch.Tensor]:
    model = pc.load_lora_model(name)
    batch = pc.case_tensors(case)
    init = {f"init.{k}": v for k, v in pc.lora_named_params(model).items()}
    out = pc.forward(model, batch)
    out["loss"].backward()
    grads = {f"grad.{k}": v.grad for k, v in pc.lora_named_params(model).items()}
    for n, p in model.named_parameters():
        assert (p.grad is None) == (not p.requires_grad), n
    res = {"logits": out["logits"], "loss": out["loss"].detach().reshape(())}
    res.update(init)
    res.update(grads)

    # also write the initial adapter as a PEFT adapter directory (used by check_export.py)
    model.zero_grad(set_to_none=True)
    adir = out_dir / "lora_adapter_init"
    if adir.exists():
        shutil.rmtree(adir)
    model.save_pretrained(str(adir))
    acfg_path = adir / "adapter_config.json"
    acfg = json.loads(acfg_path.read_text())
    acfg["base_model_name_or_path"] = case["model_dir"]
    acfg["target_modules"] = sorted(acfg["target_modules"])
    acfg_path.write_text(json.dumps(acfg, indent=2, sort_keys=True) + "\n")
    readme = adir / "README.md"
    if readme.exists():
        readme.unlink()
    return tensors_to_save(res)


def run_trajectory(model: torch.nn.Module, params: list[tuple[str, torch.nn.Parameter]], batch: dict,
                   micro_batches: list[list[int]] | None) -> dict:
    opt, sched = pc.make_optimizer(params)
    losses, grad_norms, lrs = [], [], []
    n_tokens = int((batch["labels"][:, 1:] != -100).sum())
    for _ in range(pc.STEPS):
        lrs.append(sched.get_last_lr()[0])
        if micro_batches is None:
            loss = pc.forward(model, batch)["loss"]
            loss.backward()
            step_loss = loss.item()
        else:
            # grad accumulation: each micro-batch's summed token loss / tokens of the whole step
            step_loss = 0.0
            for rows in micro_batches:
                mb = {k: v[rows] for k, v in batch.items()}
                logits = pc.forward(model, mb, with_labels=False)["logits"]
                mloss = pc.manual_loss(logits, mb["labels"], reduction="sum") / n_tokens
                mloss.backward()
                step_loss += mloss.item()
        gn = torch.nn.utils.clip_grad_norm_([p for _, p in params], pc.MAX_GRAD_NORM)
        grad_norms.append(gn.item())
        losses.append(step_loss)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
    final_loss = pc.forward(model, batch)["loss"].item()
    return {"losses": losses, "grad_norms_before_clip": grad_norms, "lrs": lrs, "final_loss": final_loss}


def trajectory_golden(name: str, case: dict) -> tuple[dict, dict[str, torch.Tensor], torch.nn.Module]:
    batch = pc.case_tensors(case)
    out: dict = {
        "description": "losses[i] is the loss of the forward pass before update i (i = 0..steps-1), "
                       "computed with the parameters after i updates; lrs[i] is the learning rate used by "
                       "update i (lrs[0] == 0: the first update only advances Adam's moments and step count); "
                       "grad_norms_before_clip[i] is the global L2 norm over all trainable parameters before "
                       "clipping; final_loss is the loss after all updates.",
    }
    tensors: dict[str, torch.Tensor] = {}

    model = pc.load_model(name)
    params = list(model.named_parameters())
    out["full"] = run_trajectory(model, params, batch, None)
    tensors.update({f"final.{n}": p for n, p in params})
    trained = model

    model = pc.load_model(name)
    out["full_grad_accum_2"] = run_trajectory(model, list(model.named_parameters()), batch, [[0], [1]])
    out["full_grad_accum_2"]["micro_batches"] = [[0], [1]]

    lmodel = pc.load_lora_model(name)
    lparams = [(n, p) for n, p in pc.lora_named_params(lmodel).items()]
    out["lora"] = run_trajectory(lmodel, lparams, batch, None)
    tensors.update({f"lora_final.{n}": p for n, p in lparams})
    return out, tensors_to_save(tensors), trained


@torch.no_grad()
def greedy_golden(model: torch.nn.Module, case: dict) -> dict:
    model.eval()
    g = case["greedy"]
    prompt = torch.tensor([g["prompt_ids"]])
    gen = model.generate(
        input_ids=prompt,
        attention_mask=torch.ones_like(prompt),
        do_sample=False,
        max_new_tokens=g["max_new_tokens"],
        eos_token_id=g["eos_token_id"],
        pad_token_id=g["eos_token_id"][-1],
        output_logits=True,
        return_dict_in_generate=True,
    )
    new = gen.sequences[0, prompt.shape[1]:].tolist()
    # teacher-forced scoring of prompt + generated continuation
    full = gen.sequences
    logp = torch.log_softmax(model(input_ids=full).logits.float(), dim=-1)
    P = prompt.shape[1]
    lps = [logp[0, P - 1 + i, tok].item() for i, tok in enumerate(new)]
    gen_lps = [torch.log_softmax(l[0].float(), -1)[tok].item() for l, tok in zip(gen.logits, new)]
    assert max(abs(a - b) for a, b in zip(lps, gen_lps)) < 1e-4
    top2 = [torch.topk(logp[0, P - 1 + i], 2).values.tolist() for i in range(len(new))]
    stopped = bool(new and new[-1] in g["eos_token_id"])
    return {
        "prompt_ids": g["prompt_ids"],
        "generated_ids": new,
        "stopped_on_eos": stopped,
        "logprobs": lps,
        "min_top1_top2_margin": min(a - b for a, b in top2),
        "description": "generated_ids excludes the prompt; logprobs[i] = log_softmax(logits at position "
                       "len(prompt)-1+i of a forward pass over prompt+generated)[generated_ids[i]] (raw "
                       "logits, no temperature/processors). Generation stops at max_new_tokens or after "
                       "emitting an eos id (which is then included).",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="*", default=pc.MODELS)
    ap.add_argument("--out", type=Path, default=GOLDEN)
    args = ap.parse_args(argv)
    pc.setup_determinism()
    for name in args.models:
        d = args.out / name
        d.mkdir(parents=True, exist_ok=True)
        case = build_case(name)
        full, checks = full_golden(name, case)
        case["self_checks"] = checks
        lora = lora_golden(name, case, d)
        traj, traj_t, trained = trajectory_golden(name, case)
        greedy = greedy_golden(pc.load_model(name), case)
        greedy["after_full_trajectory"] = greedy_golden(trained, case)
        greedy["after_full_trajectory"]["description"] = (
            "same prompt, model = parameters after the 20 full fine-tuning steps (trajectory.safetensors final.*)")
        case["versions"] = pc.versions()
        pc.dump_json(d / "case.json", case)
        meta = {"format": "pt"}  # one key: safetensors writes metadata in hash order
        save_file(full, str(d / "full.safetensors"), metadata=meta)
        save_file(lora, str(d / "lora.safetensors"), metadata=meta)
        save_file(traj_t, str(d / "trajectory.safetensors"), metadata=meta)
        pc.dump_json(d / "trajectory.json", traj)
        pc.dump_json(d / "greedy.json", greedy)
        print(json.dumps({"model": name, "loss": full["loss"].item(), "lora_loss": lora["loss"].item(),
                          "traj_first_last": [traj["full"]["losses"][0], traj["full"]["final_loss"]],
                          "greedy": greedy["generated_ids"], **checks}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
