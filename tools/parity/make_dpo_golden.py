#!/usr/bin/env python3
"""Write the PyTorch golden outputs of DPO (sigmoid loss with an optional RPO / SFT term) for the tiny models.

The loss is TRL's, written out in PyTorch as TRL 1.16's DPOTrainer._compute_loss computes it for
loss_type=["sigmoid", "sft"], loss_weights=[1, rpo_alpha] (standard DPO: f_divergence_type "reverse_kl", no
ld_alpha, no WPO weighting) -- what older TRL called rpo_alpha:

    logps_c = sum of log p(chosen token | prompt, earlier chosen tokens)        (likewise rejected)
    z       = (logps_c - ref_logps_c) - (logps_r - ref_logps_r)
    loss    = mean over pairs of -logsigmoid(beta * z)
              + rpo_alpha * mean over every chosen token of the batch of -log p(token)

and TRL's metrics: rewards/chosen = mean beta * (logps_c - ref_logps_c), rewards/rejected, rewards/margins (mean of
chosen - rejected reward), rewards/accuracies (share of pairs whose chosen reward is higher), logps/chosen,
logps/rejected (mean summed policy log-probs).

For each model this writes tools/parity/golden/<name>/dpo.json and dpo.safetensors:
    pairs            token ids: prompt (the chat template's generation prompt, tools included), chosen and
                     rejected continuation (each output's assistant turn through its end-of-turn token)
    full             the base model as policy AND reference (reference log-probs computed before training, as the
                     engine does in full fine-tuning: z = 0 at the start), rpo_alpha 0.5: loss, metrics, and
                     full.grad.<hf name> for every parameter
    lora             reference = the base (PEFT adapter disabled), policy = base + the LoRA init of lora.safetensors
                     (B != 0, so z != 0), rpo_alpha 0: loss, metrics, lora.grad.<peft name>
    trajectory_full  8 AdamW steps (parity_common's optimizer and schedule) of full fine-tuning on all pairs as one
                     batch, reference log-probs from the base model before the first step, rpo_alpha 0.5: the loss
                     before each update, grad norms before clipping, the loss after the last update

Run (needs torch + transformers + peft; the parity venv):
    HF_HUB_OFFLINE=1 ~/.cache/tuneforge/venv-parity/bin/python tools/parity/make_dpo_golden.py [--models tiny-llama]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import parity_common as pc  # noqa: E402

GOLDEN = HERE / "golden"
MODELS = ["tiny-llama", "tiny-qwen2"]
BETA = 0.1
RPO_ALPHA = 0.5
TRAJECTORY_STEPS = 8

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                     "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_stock", "description": "Latest price of a stock",
                                      "parameters": {"type": "object", "properties": {"symbol": {"type": "string"}},
                                                     "required": ["symbol"]}}},
]


def call(name: str, args: dict) -> dict:
    return {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": name, "arguments": args}}]}


# (user question, chosen output, rejected output): the right tool with the right arguments against a wrong tool,
# wrong arguments, or no call.
PAIRS = [
    ("Weather in Rome?", call("get_weather", {"city": "Rome"}), call("get_stock", {"symbol": "ROME"})),
    ("What does ACME trade at?", call("get_stock", {"symbol": "ACME"}), call("get_weather", {"city": "ACME"})),
    ("Is it raining in Oslo?", call("get_weather", {"city": "Oslo"}), {"role": "assistant", "content": "I cannot check the weather."}),
]


def build_pairs(name: str) -> list[dict]:
    """Ids as the engine's tokenizePreference cuts them: the generation prompt, then each output through <|im_end|>."""
    tok = pc.load_tokenizer(name)
    end = tok.convert_tokens_to_ids("<|im_end|>")
    pairs = []
    for question, chosen, rejected in PAIRS:
        messages = [{"role": "system", "content": "Call a tool when one helps."}, {"role": "user", "content": question}]
        prompt_text = tok.apply_chat_template(messages, tools=TOOLS, add_generation_prompt=True, tokenize=False)
        prompt = tok(prompt_text, add_special_tokens=False)["input_ids"]
        out = {"question": question, "prompt_ids": prompt}
        for key, output in (("chosen_ids", chosen), ("rejected_ids", rejected)):
            text = tok.apply_chat_template(messages + [output], tools=TOOLS, tokenize=False)
            assert text.startswith(prompt_text)
            ids = tok(text, add_special_tokens=False)["input_ids"]
            assert ids[: len(prompt)] == prompt
            cont = ids[len(prompt):]
            out[key] = cont[: cont.index(end) + 1]
        pairs.append(out)
    return pairs


def continuation_logps(model, pair: dict, key: str) -> torch.Tensor:
    """log p(token) for each continuation token, teacher-forced after the prompt."""
    prompt, cont = pair["prompt_ids"], pair[key]
    ids = torch.tensor([prompt + cont])
    logits = model(input_ids=ids, use_cache=False).logits[0].float()
    logp = torch.log_softmax(logits[:-1], dim=-1)
    per_token = logp.gather(-1, ids[0, 1:, None])[:, 0]
    return per_token[len(prompt) - 1:]


def policy_logps(model, pairs: list[dict]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    return ([continuation_logps(model, p, "chosen_ids") for p in pairs],
            [continuation_logps(model, p, "rejected_ids") for p in pairs])


def dpo_loss(chosen_tokens, rejected_tokens, ref_chosen, ref_rejected, beta: float, rpo_alpha: float):
    """TRL 1.16 _compute_loss, loss_type ["sigmoid", "sft"] weighted [1, rpo_alpha]; returns (loss, metrics)."""
    chosen_logps = torch.stack([t.sum() for t in chosen_tokens])
    rejected_logps = torch.stack([t.sum() for t in rejected_tokens])
    chosen_logratios = chosen_logps - ref_chosen
    rejected_logratios = rejected_logps - ref_rejected
    delta = chosen_logratios - rejected_logratios
    loss = (-F.logsigmoid(beta * delta)).mean()
    sigmoid_loss = loss.detach().item()
    if rpo_alpha:
        loss = loss + rpo_alpha * (-torch.cat(chosen_tokens).mean())
    chosen_rewards = beta * chosen_logratios.detach()
    rejected_rewards = beta * rejected_logratios.detach()
    metrics = {
        "loss": loss.item(),
        "sigmoid_loss": sigmoid_loss,
        "rewards/chosen": chosen_rewards.mean().item(),
        "rewards/rejected": rejected_rewards.mean().item(),
        "rewards/accuracies": (chosen_rewards > rejected_rewards).float().mean().item(),
        "rewards/margins": (chosen_rewards - rejected_rewards).mean().item(),
        "logps/chosen": chosen_logps.detach().mean().item(),
        "logps/rejected": rejected_logps.detach().mean().item(),
    }
    return loss, metrics


def sums(tokens: list[torch.Tensor]) -> list[float]:
    return [t.detach().sum().item() for t in tokens]


def full_golden(name: str, pairs: list[dict]) -> tuple[dict, dict[str, torch.Tensor]]:
    model = pc.load_model(name)
    with torch.no_grad():
        ref_c, ref_r = policy_logps(model, pairs)
    ref = {"chosen": sums(ref_c), "rejected": sums(ref_r)}
    chosen, rejected = policy_logps(model, pairs)
    loss, metrics = dpo_loss(chosen, rejected, torch.tensor(ref["chosen"]), torch.tensor(ref["rejected"]), BETA, RPO_ALPHA)
    loss.backward()
    grads = {f"full.grad.{n}": p.grad.detach().clone() for n, p in model.named_parameters()}
    return {"beta": BETA, "rpo_alpha": RPO_ALPHA, "ref_logps": ref, "policy_logps": {"chosen": sums(chosen), "rejected": sums(rejected)},
            "metrics": metrics}, grads


def lora_golden(name: str, pairs: list[dict]) -> tuple[dict, dict[str, torch.Tensor]]:
    model = pc.load_lora_model(name)
    with torch.no_grad(), model.disable_adapter():
        ref_c, ref_r = policy_logps(model, pairs)
    ref = {"chosen": sums(ref_c), "rejected": sums(ref_r)}
    chosen, rejected = policy_logps(model, pairs)
    loss, metrics = dpo_loss(chosen, rejected, torch.tensor(ref["chosen"]), torch.tensor(ref["rejected"]), BETA, 0.0)
    loss.backward()
    grads = {f"lora.grad.{n}": p.grad.detach().clone() for n, p in pc.lora_named_params(model).items()}
    return {"beta": BETA, "rpo_alpha": 0.0, "init": "lora.safetensors init.* (parity_common.load_lora_model)", "ref_logps": ref,
            "policy_logps": {"chosen": sums(chosen), "rejected": sums(rejected)}, "metrics": metrics}, grads


def trajectory_golden(name: str, pairs: list[dict]) -> dict:
    model = pc.load_model(name)
    with torch.no_grad():
        ref_c, ref_r = policy_logps(model, pairs)
    ref_chosen, ref_rejected = torch.tensor(sums(ref_c)), torch.tensor(sums(ref_r))
    params = list(model.named_parameters())
    opt, sched = pc.make_optimizer(params)
    losses, grad_norms, lrs, accuracies = [], [], [], []
    for _ in range(TRAJECTORY_STEPS):
        lrs.append(sched.get_last_lr()[0])
        chosen, rejected = policy_logps(model, pairs)
        loss, metrics = dpo_loss(chosen, rejected, ref_chosen, ref_rejected, BETA, RPO_ALPHA)
        loss.backward()
        grad_norms.append(torch.nn.utils.clip_grad_norm_([p for _, p in params], pc.MAX_GRAD_NORM).item())
        losses.append(loss.item())
        accuracies.append(metrics["rewards/accuracies"])
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
    with torch.no_grad():
        chosen, rejected = policy_logps(model, pairs)
        _, final = dpo_loss(chosen, rejected, ref_chosen, ref_rejected, BETA, RPO_ALPHA)
    return {"beta": BETA, "rpo_alpha": RPO_ALPHA, "steps": TRAJECTORY_STEPS, "micro_batches": "all pairs in one batch",
            "losses": losses, "grad_norms_before_clip": grad_norms, "lrs": lrs, "reward_accuracies": accuracies,
            "final_loss": final["loss"], "final_metrics": final,
            "description": "losses[i]: the DPO(+RPO) loss before update i; lrs[i] the learning rate update i used "
                           "(parity_common: AdamW, cosine with warmup 5 over 20 steps, clip 1.0); final_loss after "
                           "the last update."}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="*", default=MODELS)
    ap.add_argument("--out", type=Path, default=GOLDEN)
    args = ap.parse_args(argv)
    pc.setup_determinism()
    import trl  # the formula follows this version's DPOTrainer._compute_loss

    for name in args.models:
        d = args.out / name
        d.mkdir(parents=True, exist_ok=True)
        pairs = build_pairs(name)
        full, full_t = full_golden(name, pairs)
        lora, lora_t = lora_golden(name, pairs)
        traj = trajectory_golden(name, pairs)
        case = {
            "model": name,
            "model_dir": str(pc.model_dir(name).relative_to(pc.REPO)),
            "formula": __doc__.split("\n\n")[1],
            "pairs": pairs,
            "tools": TOOLS,
            "full": full,
            "lora": lora,
            "trajectory_full": traj,
            "versions": {**pc.versions(), "trl (formula of)": trl.__version__},
        }
        pc.dump_json(d / "dpo.json", case)
        save_file({k: v.to(torch.float32).contiguous() for k, v in {**full_t, **lora_t}.items()}, str(d / "dpo.safetensors"),
                  metadata={"format": "pt"})
        print(json.dumps({"model": name, "full_loss": full["metrics"]["loss"], "lora_loss": lora["metrics"]["loss"],
                          "lora_margin": lora["metrics"]["rewards/margins"], "traj": [traj["losses"][0], traj["final_loss"]],
                          "traj_acc": traj["reward_accuracies"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
