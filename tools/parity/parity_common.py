"""Shared helpers for the parity tools (golden generation, export checks, benchmarks)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TINY_MODELS = REPO / "tools" / "tiny-model" / "models"
MODELS = ["tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-mistral"]

SEQ_LEN = 24
LR = 5e-3
BETAS = (0.9, 0.95)
EPS = 1e-8
WEIGHT_DECAY = 0.1
MAX_GRAD_NORM = 1.0
WARMUP_STEPS = 5
STEPS = 20
LORA_R = 4
LORA_ALPHA = 8
LORA_SEED = 1234
LORA_B_STD = 0.02
MAX_NEW_TOKENS = 16
TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def setup_determinism() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def versions() -> dict:
    import peft
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__}


def dump_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1) + "\n")


def model_dir(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.exists():
        return p
    return TINY_MODELS / str(name_or_path)


def load_tokenizer(name_or_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_dir(name_or_path)))


def load_model(name_or_path, dtype=torch.float32):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(model_dir(name_or_path)), attn_implementation="eager", dtype=dtype)
    model.train()  # dropout is 0 in every config, so train/eval give identical numbers
    return model


def lora_config():
    from peft import LoraConfig

    return LoraConfig(r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=0.0, target_modules=list(TARGET_MODULES),
                      bias="none", task_type="CAUSAL_LM")


def lora_named_params(model) -> dict[str, torch.nn.Parameter]:
    """Trainable LoRA parameters keyed by their name in a saved PEFT adapter (no '.default')."""
    out = {}
    for n, p in model.named_parameters():
        if p.requires_grad:
            assert "lora_" in n, n
            out[n.replace(".default.", ".")] = p
    return out


def load_lora_model(name_or_path):
    """Base model + fresh LoRA adapter with a non-zero B (so grad of A is non-trivial)."""
    from peft import get_peft_model

    model = get_peft_model(load_model(name_or_path), lora_config())
    g = torch.Generator().manual_seed(LORA_SEED)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if ".lora_A." in n:
                bound = 1.0 / math.sqrt(p.shape[1])
                p.copy_(torch.rand(p.shape, generator=g) * 2 * bound - bound)
            elif ".lora_B." in n:
                p.copy_(torch.randn(p.shape, generator=g) * LORA_B_STD)
    model.train()
    return model


def build_4d_mask(segment_ids: torch.Tensor, dtype=torch.float32, window: int | None = None) -> torch.Tensor:
    """[B,T] segment ids -> additive mask [B,1,T,T]: 0 where key k is visible to query q
    (k <= q and same segment, and q - k < window when a window is given), finfo(dtype).min elsewhere."""
    T = segment_ids.shape[1]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    if window is not None:
        causal &= ~torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-window)
    same = segment_ids[:, :, None] == segment_ids[:, None, :]
    allowed = causal[None] & same
    mask = torch.zeros(allowed.shape, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[:, None]


def case_tensors(case: dict) -> dict[str, torch.Tensor]:
    return {
        "input_ids": torch.tensor(case["input_ids"]),
        "labels": torch.tensor(case["labels"]),
        "position_ids": torch.tensor(case["position_ids"]),
        "segment_ids": torch.tensor(case["segment_ids"]),
    }


def sliding_window(model) -> int | None:
    """The window of a model whose every layer uses sliding-window attention (Mistral), else None."""
    cfg = model.config
    window = getattr(cfg, "sliding_window", None)
    types = getattr(cfg, "layer_types", None)
    if window is None or (types is not None and set(types) != {"sliding_attention"}):
        return None
    return int(window)


def forward(model, batch: dict, with_labels: bool = True) -> dict:
    """Forward over the case batch with every sample attending only to itself.

    Models without a sliding window get the explicit 4D block-diagonal mask (build_4d_mask). For a sliding-window
    model an explicit 4D mask would be used as-is, without the window, so there transformers builds the mask
    itself (its sliding-window causal mask, with packing detected from the restarting position ids, which it does
    only without a cache object: use_cache=False); make_golden.py checks that this equals build_4d_mask with the
    window and that the window changes the logits.
    """
    if sliding_window(model) is not None:
        out = model(
            input_ids=batch["input_ids"],
            position_ids=batch["position_ids"],
            use_cache=False,
            labels=batch["labels"] if with_labels else None,
        )
    else:
        out = model(
            input_ids=batch["input_ids"],
            attention_mask=build_4d_mask(batch["segment_ids"]),
            position_ids=batch["position_ids"],
            labels=batch["labels"] if with_labels else None,
        )
    return {"logits": out.logits, "loss": out.loss}


def manual_loss(logits: torch.Tensor, labels: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """HF causal LM loss: logits[:, t] predicts labels[:, t+1]; -100 ignored; mean over the rest."""
    V = logits.shape[-1]
    return torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, V).float(), labels[:, 1:].reshape(-1), ignore_index=-100, reduction=reduction
    )


def make_optimizer(named_params: list[tuple[str, torch.nn.Parameter]]):
    from transformers import get_cosine_schedule_with_warmup

    decay = [p for _, p in named_params if p.ndim >= 2]
    no_decay = [p for _, p in named_params if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": WEIGHT_DECAY}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    opt = torch.optim.AdamW(groups, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=WARMUP_STEPS, num_training_steps=STEPS)
    return opt, sched


def lr_at(step: int) -> float:
    """Closed form of transformers.get_cosine_schedule_with_warmup (num_cycles=0.5)."""
    if step < WARMUP_STEPS:
        return LR * step / max(1, WARMUP_STEPS)
    progress = (step - WARMUP_STEPS) / max(1, STEPS - WARMUP_STEPS)
    return LR * max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


def lr_schedule_list() -> list[float]:
    return [lr_at(s) for s in range(STEPS)]
