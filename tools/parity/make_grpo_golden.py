#!/usr/bin/env python3
"""Write the PyTorch golden outputs of GRPO (TRL 1.16's GRPOTrainer._compute_loss) for the tiny models.

The loss, per loss token t of sample i (a token the model generated; prompts and tool outputs are masked):

    r_t  = exp(logp_t - old_logp_t)                     (old = logp.detach() when the sample is on-policy)
    p_t  = -min(r_t * A_i, clamp(r_t, 1 - eps_low, 1 + eps_high) * A_i) + beta * (exp(ref_t - logp_t) - (ref_t - logp_t) - 1)

aggregated as `token` (TRL "dapo": sum over every loss token / loss tokens), `sequence` (TRL "grpo": mean per sample,
then mean) or `dr_grpo` (sum / (samples * max_completion_length)); advantages A_i = (r_i - group mean) / (group std +
1e-4) (Bessel std; "none" leaves the std out, "batch" uses the batch's). The formula below is checked against TRL's own
GRPOTrainer._compute_loss, called on the same per-token log-probs (trl_compute_loss), before anything is written.

A sample is a list of segments (token ids + a 0/1 loss mask), as the engine takes it: a multi-turn episode is its
turns' prompts and generations; TRL sees it as one completion whose tool_mask is the concatenated loss mask.

For each model this writes tools/parity/golden/<name>/grpo.json and grpo.safetensors:
    samples    6 samples (2 prompts x 3 chains) rendered with the chat template: tool calls and answers, one sample
               of two segments (a second turn after a tool result), tool results masked inside a segment
    rewards    and the advantages under each reward scaling
    full       policy = the base model; reference log-probs = the base + lora.safetensors init (so KL != 0; given to the
               engine as data); per config: loss, metrics, full.<config>.grad.<hf name>
    lora       policy = base + the LoRA init; reference = the base (adapter disabled); lora.<config>.grad.<peft name>
    old        per-token "old" log-probs (policy - 0.35 * sin(1.3 k)), so that ratios reach both clipping bounds

Run (the parity venv: torch, transformers, peft, trl):
    HF_HUB_OFFLINE=1 ~/.cache/tuneforge/venv-parity/bin/python tools/parity/make_grpo_golden.py [--models tiny-llama]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import parity_common as pc  # noqa: E402

GOLDEN = HERE / "golden"
MODELS = ["tiny-llama", "tiny-qwen2"]
GROUP = 3
REWARDS = [1.0, 0.0, 0.5, 0.2, 0.9, 0.9]
MAX_COMPLETION_LENGTH = 64
# name: (aggregation, beta, eps_low, eps_high, off-policy old log-probs, reward scaling)
FULL_CONFIGS = {
    "token_kl_offpolicy": ("token", 0.04, 0.2, 0.28, True, "group"),
    "sequence_onpolicy": ("sequence", 0.0, 0.2, 0.2, False, "group"),
}
LORA_CONFIGS = {
    "token_kl_onpolicy": ("token", 0.04, 0.2, 0.28, False, "group"),
    "sequence_kl_offpolicy": ("sequence", 0.1, 0.2, 0.2, True, "none"),
    "drgrpo_offpolicy": ("dr_grpo", 0.0, 0.2, 0.28, True, "batch"),
}
TRL_LOSS_TYPE = {"token": "dapo", "sequence": "grpo", "dr_grpo": "dr_grpo"}

# (question, assistant turns): what each chain wrote. Chains of one prompt differ, as sampled rollouts do.
EPISODES = [
    ("What is 12 * 7?", ['{"name": "calculator", "arguments": {"expression": "12 * 7"}}', "84"]),
    ("What is 12 * 7?", ["It is 74."]),
    ("What is 12 * 7?", ['{"name": "calculator", "arguments": {"expression": "12 + 7"}}', "19"]),
    ("Add 3 and 5.", ["8"]),
    ("Add 3 and 5.", ['{"name": "calculator", "arguments": {"expression": "3 + 5"}}', "The sum is 8."]),
    ("Add 3 and 5.", ["3 + 5 = 8"]),
]


def render_samples(name: str) -> list[dict]:
    """Segments as the engine's rollouts make them: each turn's prompt (mask 0) and generation through its end token (mask 1)."""
    tok = pc.load_tokenizer(name)
    samples = []
    for k, (question, turns) in enumerate(EPISODES):
        messages = [{"role": "system", "content": "Use the calculator when it helps."}, {"role": "user", "content": question}]
        segments = []
        for turn, text in enumerate(turns):
            prompt_text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            prompt = tok(prompt_text, add_special_tokens=False)["input_ids"]
            gen = tok(text, add_special_tokens=False)["input_ids"] + [tok.convert_tokens_to_ids("<|im_end|>")]
            segments.append({"tokens": prompt + gen, "mask": [0] * len(prompt) + [1] * len(gen)})
            messages = messages + [{"role": "assistant", "content": text}]
            if turn + 1 < len(turns):
                messages.append({"role": "user", "content": "Result: " + ("84" if "12" in question else "8")})
        if k == 0:
            # The first episode as one contiguous segment, as a rollout that appends tokens builds it: the first
            # generation, the tool result and the next generation prompt (masked), the second generation.
            first, second = segments
            gen2 = [t for t, m in zip(second["tokens"], second["mask"]) if m]
            between = tok("\n<|im_start|>user\nResult: 84<|im_end|>\n<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
            segments = [{"tokens": first["tokens"] + between + gen2, "mask": first["mask"] + [0] * len(between) + [1] * len(gen2)}]
        samples.append({"question": question, "segments": segments})
    return samples


def segment_logps(model, tokens: list[int]) -> torch.Tensor:
    """log p(token t | tokens < t) for t >= 1, 0 at t = 0 (the engine's tokenLogprobs layout)."""
    ids = torch.tensor([tokens])
    logits = model(input_ids=ids, use_cache=False).logits[0].float()
    lp = torch.log_softmax(logits[:-1], dim=-1).gather(-1, ids[0, 1:, None])[:, 0]
    return torch.cat([torch.zeros(1), lp])


def all_logps(model, samples) -> list[list[torch.Tensor]]:
    return [[segment_logps(model, seg["tokens"]) for seg in s["segments"]] for s in samples]


def flat_loss_tokens(samples, lps) -> list[torch.Tensor]:
    """Per sample, the log-probs of its loss tokens in order (what TRL calls the completion, masked)."""
    out = []
    for s, sample_lps in zip(samples, lps):
        parts = [lp[torch.tensor(seg["mask"], dtype=torch.bool)] for seg, lp in zip(s["segments"], sample_lps)]
        out.append(torch.cat(parts))
    return out


def advantages(rewards: list[float], scaling: str) -> torch.Tensor:
    r = torch.tensor(rewards, dtype=torch.float32)
    grouped = r.view(-1, GROUP)
    mean = grouped.mean(dim=1).repeat_interleave(GROUP)
    std = grouped.std(dim=1).repeat_interleave(GROUP) if scaling != "batch" else r.std().expand_as(r)
    adv = r - mean
    return adv if scaling == "none" else adv / (std + 1e-4)


def old_of(policy_flat: list[torch.Tensor]) -> list[torch.Tensor]:
    out, k = [], 0
    for lp in policy_flat:
        shift = torch.tensor([0.35 * math.sin(1.3 * (k + j)) for j in range(lp.numel())])
        k += lp.numel()
        out.append(lp.detach() - shift)
    return out


def formula_loss(policy, old, ref, adv, aggregation, beta, eps_low, eps_high):
    """The loss written out (module docstring); returns (loss, metrics)."""
    total, kl_sum, low, high, n_tok = 0.0, 0.0, 0, 0, 0
    for i, lp in enumerate(policy):
        o = lp.detach() if old is None else old[i]
        ratio = torch.exp(lp - o)
        per = -torch.min(ratio * adv[i], torch.clamp(ratio, 1 - eps_low, 1 + eps_high) * adv[i])
        kl = torch.exp(ref[i] - lp) - (ref[i] - lp) - 1
        if beta:
            per = per + beta * kl
        if aggregation == "sequence":
            total = total + per.sum() / max(lp.numel(), 1)
        else:
            total = total + per.sum()
        kl_sum += kl.detach().sum().item()
        low += int(((ratio < 1 - eps_low) & (adv[i] < 0)).sum())
        high += int(((ratio > 1 + eps_high) & (adv[i] > 0)).sum())
        n_tok += lp.numel()
    norm = {"sequence": len(policy), "token": n_tok, "dr_grpo": len(policy) * MAX_COMPLETION_LENGTH}[aggregation]
    loss = total / norm
    return loss, {"loss": loss.item(), "kl": kl_sum / n_tok, "clip_ratio/low_mean": low / n_tok,
                  "clip_ratio/high_mean": high / n_tok, "clip_ratio/region_mean": (low + high) / n_tok, "loss_tokens": n_tok}


def trl_compute_loss(policy, old, ref, adv, aggregation, beta, eps_low, eps_high):
    """TRL 1.16's own GRPOTrainer._compute_loss on the same per-token log-probs (padded rows, tool_mask = loss mask)."""
    from trl import GRPOTrainer

    B, T = len(policy), max(lp.numel() for lp in policy)
    pad = lambda xs: torch.stack([torch.cat([x, torch.zeros(T - x.numel())]) for x in xs])  # noqa: E731
    mask = torch.stack([torch.cat([torch.ones(x.numel()), torch.zeros(T - x.numel())]) for x in policy])
    per_token = pad(policy)

    class Accelerator:
        num_processes = 1

        def gather(self, x):
            return x

        gather_for_metrics = gather

        def reduce(self, x, reduction="sum"):
            return x

    metrics = {"train": {}}
    fake = SimpleNamespace(
        _get_per_token_logps_and_entropies=lambda *a, **k: (per_token, torch.zeros(B, T), None),
        top_entropy_quantile=1.0, off_policy_mask_threshold=None, importance_sampling_level="token", beta=beta,
        args=SimpleNamespace(use_bias_correction_kl=False, delta=None, steps_per_generation=1), loss_type=TRL_LOSS_TYPE[aggregation],
        epsilon_low=eps_low, epsilon_high=eps_high, use_vllm=False, model=SimpleNamespace(training=True),
        current_gradient_accumulation_steps=1, max_completion_length=MAX_COMPLETION_LENGTH, accelerator=Accelerator(),
        aux_loss_enabled=False, _entropy_bonus_enabled=False,
        _metrics={"train": _Metrics(metrics["train"])},
    )
    inputs = {"prompt_ids": torch.zeros(B, 1, dtype=torch.long), "prompt_mask": torch.ones(B, 1), "completion_ids": torch.zeros(B, T, dtype=torch.long),
              "completion_mask": torch.ones(B, T), "tool_mask": mask, "advantages": adv, "num_items_in_batch": mask.sum(),
              "ref_per_token_logps": pad(ref)}
    if old is not None:
        inputs["old_per_token_logps"] = pad(old)
    loss = GRPOTrainer._compute_loss(fake, None, inputs)
    return loss, {k: v[-1] for k, v in metrics["train"].items()}


class _Metrics(dict):
    """TRL appends each metric to self._metrics[mode][name]."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def __getitem__(self, key):
        return self.store.setdefault(key, [])


def run_config(model, samples, params, ref_flat, config):
    aggregation, beta, eps_low, eps_high, off_policy, scaling = config
    adv = advantages(REWARDS, scaling)
    policy_lps = all_logps(model, samples)
    policy = flat_loss_tokens(samples, policy_lps)
    old = old_of(policy) if off_policy else None
    loss, metrics = formula_loss(policy, old, ref_flat, adv, aggregation, beta, eps_low, eps_high)
    grads = torch.autograd.grad(loss, [p for _, p in params], retain_graph=True)
    # The formula is TRL's: same loss, same gradient, same KL and clip metrics.
    trl_loss, trl_metrics = trl_compute_loss(policy, old, ref_flat, adv, aggregation, beta, eps_low, eps_high)
    trl_grads = torch.autograd.grad(trl_loss, [p for _, p in params])
    assert abs(trl_loss.item() - loss.item()) <= 1e-6 * max(1.0, abs(loss.item())), (trl_loss.item(), loss.item())
    worst = max(((a - b).norm() / b.norm().clamp(min=1e-30)).item() for a, b in zip(trl_grads, grads))
    assert worst < 1e-5, worst
    for name in ("clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean") + (("kl",) if beta else ()):
        assert abs(trl_metrics[name] - metrics[name]) < 1e-6, (name, trl_metrics[name], metrics[name])
    section = {"aggregation": aggregation, "beta": beta, "epsilon_low": eps_low, "epsilon_high": eps_high, "off_policy": off_policy,
               "reward_scaling": scaling, "max_completion_length": MAX_COMPLETION_LENGTH, "advantages": adv.tolist(),
               "metrics": metrics, "trl_loss": trl_loss.item(), "trl_max_grad_rel_diff": worst,
               "policy_logps": [lp.detach().tolist() for lp in policy], "reference_loss_logps": [r.tolist() for r in ref_flat],
               "old_logps": [o.tolist() for o in old] if old is not None else None}
    return section, {n: g.detach().clone() for (n, _), g in zip(params, grads)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="*", default=MODELS)
    ap.add_argument("--out", type=Path, default=GOLDEN)
    args = ap.parse_args(argv)
    pc.setup_determinism()
    import trl

    for name in args.models:
        d = args.out / name
        d.mkdir(parents=True, exist_ok=True)
        samples = render_samples(name)
        tensors: dict[str, torch.Tensor] = {}
        # Full fine-tuning: the base model is the policy; the reference is the LoRA-init model (KL != 0).
        lora_model = pc.load_lora_model(name)
        with torch.no_grad():
            lora_on = all_logps(lora_model, samples)
            with lora_model.disable_adapter():
                base_lps = all_logps(lora_model, samples)
        full_model = pc.load_model(name)
        full_params = list(full_model.named_parameters())
        full = {"reference_logps": [[lp.tolist() for lp in s] for s in lora_on], "configs": {}}
        for key, config in FULL_CONFIGS.items():
            section, grads = run_config(full_model, samples, full_params, flat_loss_tokens(samples, lora_on), config)
            full["configs"][key] = section
            tensors.update({f"full.{key}.grad.{n}": g for n, g in grads.items()})
        lora_params = list(pc.lora_named_params(lora_model).items())
        lora = {"reference_logps": [[lp.tolist() for lp in s] for s in base_lps], "configs": {}}
        for key, config in LORA_CONFIGS.items():
            section, grads = run_config(lora_model, samples, lora_params, flat_loss_tokens(samples, base_lps), config)
            lora["configs"][key] = section
            tensors.update({f"lora.{key}.grad.{n}": g for n, g in grads.items()})
        case = {
            "model": name,
            "model_dir": str(pc.model_dir(name).relative_to(pc.REPO)),
            "formula": __doc__.split("\n\n")[1],
            "group_size": GROUP,
            "rewards": REWARDS,
            "samples": samples,
            "full": full,
            "lora": lora,
            "versions": {**pc.versions(), "trl (formula of, and checked against)": trl.__version__},
        }
        pc.dump_json(d / "grpo.json", case)
        save_file({k: v.to(torch.float32).contiguous() for k, v in tensors.items()}, str(d / "grpo.safetensors"), metadata={"format": "pt"})
        print(json.dumps({"model": name, **{f"full.{k}": v["metrics"]["loss"] for k, v in full["configs"].items()},
                          **{f"lora.{k}": v["metrics"]["loss"] for k, v in lora["configs"].items()},
                          "clip": {k: v["metrics"]["clip_ratio/region_mean"] for k, v in {**full["configs"], **lora["configs"]}.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
