#!/usr/bin/env python3
"""Tokenizer parity of the imported SmolLM2-135M-Instruct with llama.cpp.

llama.cpp tokenizes straight from the GGUF's `tokenizer.ggml.*` metadata; libs/model-import rebuilds a Hugging
Face `tokenizer.json` from the same metadata. Both must give the same ids for the same text. Two steps, because
llama.cpp and `tokenizers` live in different venvs:

    # 1. llama.cpp's ids for the sample -> golden/smollm2-135m-instruct/tokenizer_llamacpp.json
    ~/.cache/tuneforge/venv-llama/bin/python tools/parity/llamacpp_tokenizer_parity.py llama \
        [--gguf ~/.cache/tuneforge/downloads/SmolLM2-135M-Instruct.Q4_1.gguf]
    # 2. compare with the rebuilt tokenizer.json (HF `tokenizers`, add_special_tokens=False); exit 1 on a difference
    ~/.cache/tuneforge/venv-tools/bin/python tools/parity/llamacpp_tokenizer_parity.py compare \
        [--model-dir ~/.cache/tuneforge/models/SmolLM2-135M-Instruct]

llama.cpp side: `Llama(gguf, vocab_only=True).tokenize(text.encode(), add_bos=False, special=True)`, i.e. control
tokens written in the text (the ChatML markers) are parsed as tokens, as `tokenizers` does for added tokens.
The jest spec libs/model-import/src/smollm2-golden.spec.ts checks the same ids with the engine's tokenizer.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN_DIR = HERE / "golden" / "smollm2-135m-instruct"
GOLDEN = GOLDEN_DIR / "tokenizer_llamacpp.json"
MODEL_NAME = "SmolLM2-135M-Instruct"

# Every script and whitespace shape the pre-tokenizer has to split the same way as llama.cpp.
SAMPLE: list[str] = [
    # English, punctuation, contractions
    "The quick brown fox jumps over the lazy dog.",
    "Hello World! It's, we're, they've, I'm, you'll, he'd — DON'T SHOUT.",
    "Thought: I need the weather.\nAction: get_weather\nAction Input: {\"city\": \"Paris\"}\nObservation: 21°C",
    # accented Latin, ligatures, combining marks
    "Größe, café, naïve — déjà vu; Ærøskøbing, Łódź, İstanbul, ﬁnance.",
    "e\u0301 (e + combining acute) vs é; Ångström; São Paulo; Nguyễn Thị Minh Khai",
    # Cyrillic, Greek
    "Привет, мир! Как дела? Съешь же ещё этих мягких французских булок.",
    "Ελληνικά: Καλημέρα κόσμε, αβγδ ΑΒΓΔ.",
    # CJK, Japanese, Korean
    "東京の天気は晴れです。北京今天下雨。",
    "日本語のテキスト、カタカナとひらがな。中文：你好，世界！",
    "안녕하세요 세계. 한국어 토크나이저 테스트입니다.",
    # Arabic, Hebrew, Hindi, Thai
    "مرحبا بالعالم، كيف حالك؟ ١٢٣",
    "שלום עולם! עברית משמאל לימין.",
    "नमस्ते दुनिया, यह एक परीक्षण है।",
    "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่าง",
    # emoji, symbols, zero-width joiners
    "emoji 🙂👍🏽 and symbols ∑∫√ ≠ ≤ ∞",
    "family 👨\u200d👩\u200d👧\u200d👦, flags 🇫🇷🇯🇵, keycap 1\ufe0f\u20e3, ❤️‍🔥",
    # code: tabs, newlines, runs of spaces
    "def f(x):\n    return x ** 2  # squares\n\n\n\tindent",
    "int main(void) {\n\tprintf(\"%d\\n\", 42);\n\t\treturn 0;\n}\n",
    "    four spaces\n        eight spaces\n\t\ttwo tabs\r\nCRLF line\r\n",
    "a  b   c    d     e      f\n \n  \n\t \t",
    "   leading spaces and trailing   ",
    "x=1;y=2;z=x+y//3%4**5<<6>>7&8|9^10~11!=12==13",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    "const url = 'https://example.com/path?q=1&r=2#frag';",
    "<div class=\"a\">Text &amp; more</div>\n<!-- comment -->",
    # digits
    "12345 + 67.89 = 12413.89; 1,000,000; 3.14159; 2026-12-07T10:20:00Z",
    "Phone: +1 (555) 123-4567, ٣٤٥ and ４５６ (full-width), ½ ² ³ Ⅻ",
    "0000000000 9999999999 007",
    # ChatML markers and the other control tokens (special=True)
    "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n",
    "<|im_end|><|im_start|><|endoftext|>",
    "text<|im_end|>text <|im_start|> spaced <|endoftext|>end",
    "<repo_name>tuneforge<file_sep>main.py<filename>x<gh_stars>10",
    "<jupyter_start><jupyter_code>print(1)<jupyter_output>1<empty_output>",
    "<|im_start|>user\nПривет! 你好 🙂\n\tdef f(): pass<|im_end|>",
    # near-misses of the markers stay text
    "<|im_start |> <im_start> <|im_start> |im_end|>",
    # misc
    "",
    " ",
    "\n",
    "\n\n\n",
    "\t",
    "a",
    "'s 't 're 'S 'T 'RE",
    "naïve café résumé Straße" * 3,
]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_dir() -> Path:
    return Path(os.environ.get("TUNEFORGE_CACHE") or Path.home() / ".cache" / "tuneforge")


def default_gguf() -> Path:
    return cache_dir() / "downloads" / f"{MODEL_NAME}.Q4_1.gguf"


def default_model_dir() -> Path:
    return cache_dir() / "models" / MODEL_NAME


def llama_ids(gguf: Path, texts: list[str]) -> tuple[list[list[int]], str]:
    import llama_cpp

    llm = llama_cpp.Llama(model_path=str(gguf), vocab_only=True, verbose=False)
    ids = [llm.tokenize(t.encode("utf-8"), add_bos=False, special=True) for t in texts]
    return ids, llama_cpp.__version__


def hf_ids(model_dir: Path, texts: list[str]) -> list[list[int]]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    return [tok.encode(t, add_special_tokens=False).ids for t in texts]


def compare(texts: list[str], want: list[list[int]], got: list[list[int]], vocab: dict[int, str] | None = None) -> dict:
    """N identical / N, and the diverging texts with the first differing index (tokens shown when vocab given)."""
    diverging = []
    for i, (t, a, b) in enumerate(zip(texts, want, got)):
        if a == b:
            continue
        k = next((j for j, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        d = {"index": i, "text": t, "first_diff": k, "llamacpp": a[max(0, k - 2):k + 4], "hf": b[max(0, k - 2):k + 4]}
        if vocab is not None:
            d["llamacpp_tokens"] = [vocab.get(x) for x in d["llamacpp"]]
            d["hf_tokens"] = [vocab.get(x) for x in d["hf"]]
        diverging.append(d)
    return {"identical": len(texts) - len(diverging), "total": len(texts), "diverging": diverging}


def cmd_llama(args: argparse.Namespace) -> int:
    ids, version = llama_ids(args.gguf, SAMPLE)
    golden = {
        "description": "llama.cpp's ids for each text: Llama(gguf, vocab_only=True).tokenize(text.encode('utf-8'), "
                       "add_bos=False, special=True). The rebuilt tokenizer.json must give the same ids with "
                       "add_special_tokens=False (tools/parity/llamacpp_tokenizer_parity.py compare; jest "
                       "libs/model-import/src/smollm2-golden.spec.ts).",
        "model": MODEL_NAME,
        "gguf": args.gguf.name,
        "gguf_sha256": sha256_of(args.gguf),
        "llama_cpp_python": version,
        "add_bos": False,
        "special": True,
        "cases": [{"text": t, "ids": i} for t, i in zip(SAMPLE, ids)],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"written": str(args.out), "texts": len(SAMPLE), "tokens": sum(map(len, ids))}))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    golden = json.loads(args.golden.read_text(encoding="utf-8"))
    texts = [c["text"] for c in golden["cases"]]
    want = [c["ids"] for c in golden["cases"]]
    tj = json.loads((args.model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = {i: t for t, i in tj["model"]["vocab"].items()}
    report = compare(texts, want, hf_ids(args.model_dir, texts), vocab)
    report["pre_tokenizer"] = tj["pre_tokenizer"]
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0 if not report["diverging"] else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("llama", help="write llama.cpp's ids for the sample (needs llama-cpp-python)")
    p.add_argument("--gguf", type=Path, default=default_gguf())
    p.add_argument("--out", type=Path, default=GOLDEN)
    p = sub.add_parser("compare", help="compare the golden ids with tokenizer.json (needs tokenizers)")
    p.add_argument("--model-dir", type=Path, default=default_model_dir())
    p.add_argument("--golden", type=Path, default=GOLDEN)
    args = ap.parse_args(argv)
    return cmd_llama(args) if args.cmd == "llama" else cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
