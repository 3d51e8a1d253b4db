"""Reference values for @tuneforge/metrics, computed by the Python packages the TypeScript code must match.

Reads tools/metrics-reference/pairs.jsonl (one {"id", "hypothesis", "references", "tokenLosses"?} per line)
and writes libs/metrics/src/fixtures/reference-values.json. The parity tests in libs/metrics compare every
value in that file with the TypeScript implementation.

- BLEU and chrF: sacrebleu's own functions (sentence_bleu, corpus_bleu, sentence_chrf, corpus_chrf) with their
  defaults, plus a few non-default options. Unrounded internals are recorded (`.score`, counts, totals,
  precisions, bp, lengths), never the rounded strings.
- ROUGE: Google's rouge-score (RougeScorer, default tokenizer, with and without its nltk Porter stemmer);
  several references through score_multi; corpus value = mean over pairs.
- Porter stemmer: nltk.stem.porter.PorterStemmer() in its default mode (NLTK_EXTENSIONS), the one rouge-score
  builds, over every token of the pairs plus a word list that exercises each rule.
- Exact match and token F1: the SQuAD v2.0 official evaluation functions (normalize_answer, compute_exact,
  compute_f1), transcribed below because they ship as a script, not a package; max over references.
- Perplexity: exp(mean token loss).

Run (from the repository root):
    "$(bash tools/ci/python-venv.sh)" tools/metrics-reference/compute_reference.py
"""

import collections
from importlib import metadata
import json
import math
import pathlib
import random
import re
import string
import sys

import sacrebleu
from nltk.stem.porter import PorterStemmer
from rouge_score import rouge_scorer, tokenize
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PAIRS = HERE / "pairs.jsonl"
STEMMER_WORD_FILE = HERE / "stemmer-words.txt"
OUT = ROOT / "libs" / "metrics" / "src" / "fixtures" / "reference-values.json"

ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

# Words that walk through every step of the Porter algorithm (and NLTK's extensions), on top of the pairs' tokens.
STEMMER_WORDS = """
caresses ponies ties caress cats dies flies lies spies feed agreed plastered bled motoring sing conflated troubled
sized hopping tanned falling hissing fizzed failing filing happy sky enjoy spy fly try relational conditional
rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli vietnamization
predication operator feudalism decisiveness hopefulness callousness formaliti sensitiviti sensibiliti triplicate
formative formalize electriciti electrical hopeful goodness revival allowance inference airliner gyroscopic
adjustable defensible irritant replacement adjustment dependent adoption homologou communism activate angulariti
homologous effective bowdlerize probate rate cease controll roll generalizations generalization oscillators
died spied tied skies dying lying tying news innings inning outings outing cannings canning howe proceed exceed
succeed fulli hopefulli archaeology geology theology analogi zoology anthology yyyy yay syzygy toy toys playing
played agreement agreements organization organizational organizing organize organized organizer organizations
abilities ability capabilities university universities running runs runner jumped jumps jumping happily
happiness quickly quickness beautiful beautifully national nationally nationalities rationalize traditional
traditionally conditionally probable probabilities database databases relations relate related relating
agreed disagreed feeds need needed bleed bleeding speed speeded ied fied lied cried crying pies skied
""".split()


# Fragments the generated cases are assembled from: the characters and sequences where tokenizers disagree most
# easily (Python vs JavaScript whitespace, code points vs UTF-16 units, HTML entities, digits around . , -).
FRAGMENTS = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(string.punctuation)
    + [" ", "  ", "\t", "\n", "\n\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u00a0", "\u2003", "\u2028", "\u3000", "\ufeff", "\u200b"]
    + ["\u00e9", "\u00df", "\u0130", "\u212a", "\u03a3", "\u03c2", "\u00f1", "\u4e2d\u6587", "\U0001f44d", "\U0001f3fd", "e\u0301", "\u00bd", "\u0663"]
    + ["&amp;", "&quot;", "&lt;", "&gt;", "&", "<skipped>", "-\n", "3.5", "1,000", "10-20", "x.y", "a,b", ". ", ", "]
    + [" the ", " an ", " a ", "The ", "running ", "happily ", "generalization ", "skies ", "controlling ", "agreed "]
)


def generated_cases(count, seed):
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 24))) for _ in range(count)]


# --- SQuAD v2.0 official evaluation functions (normalize_answer, get_tokens, compute_exact, compute_f1) ---
def normalize_answer(s):
    def remove_articles(text):
        regex = re.compile(r"\b(a|an|the)\b", re.UNICODE)
        return re.sub(regex, " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def get_tokens(s):
    if not s:
        return []
    return normalize_answer(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks = get_tokens(a_gold)
    pred_toks = get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        # If either is no-answer, then F1 is 1 if they agree, 0 otherwise
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


# --- helpers ---
def bleu_dict(score):
    return {
        "score": score.score,
        "counts": list(score.counts),
        "totals": list(score.totals),
        "precisions": list(score.precisions),
        "bp": score.bp,
        "sysLen": score.sys_len,
        "refLen": score.ref_len,
    }


def reference_streams(pairs):
    """sacrebleu's corpus API takes reference streams; pairs with fewer references are padded with None."""
    most = max(len(p["references"]) for p in pairs)
    return [[p["references"][k] if k < len(p["references"]) else None for p in pairs] for k in range(most)]


def rouge_dict(scores):
    return {t: {"precision": s.precision, "recall": s.recall, "fmeasure": s.fmeasure} for t, s in scores.items()}


def rouge_mean(per_pair):
    out = {}
    for t in ROUGE_TYPES:
        out[t] = {
            k: sum(p[t][k] for p in per_pair) / len(per_pair) for k in ("precision", "recall", "fmeasure")
        }
    return out


def readable_json(value):
    """JSON with one line per pair / generated case / stem, so diffs after a regeneration stay readable."""
    def compact(v):
        return json.dumps(v, ensure_ascii=True, separators=(", ", ": "))

    lines = ["{"]
    items = list(value.items())
    for index, (key, item) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(item, list):
            body = ",\n".join(f"  {compact(entry)}" for entry in item)
            lines.append(f"  {compact(key)}: [\n{body}\n  ]{comma}")
        elif isinstance(item, dict) and key in ("porterStems", "corpus"):
            body = ",\n".join(f"  {compact(k)}: {compact(v)}" for k, v in item.items())
            lines.append(f"  {compact(key)}: {{\n{body}\n  }}{comma}")
        else:
            lines.append(f"  {compact(key)}: {compact(item)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    hyps = [p["hypothesis"] for p in pairs]
    streams = reference_streams(pairs)

    scorer = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=False)
    scorer_stem = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=True)

    per_pair = []
    for p in pairs:
        hyp, refs = p["hypothesis"], p["references"]
        entry = {
            "id": p["id"],
            # The inputs travel with the values, so the TypeScript tests need nothing outside libs/metrics.
            "hypothesis": hyp,
            "references": refs,
            "bleu": bleu_dict(sacrebleu.sentence_bleu(hyp, refs)),
            "bleuLowercase": bleu_dict(sacrebleu.sentence_bleu(hyp, refs, lowercase=True)),
            "bleuFloor": bleu_dict(sacrebleu.sentence_bleu(hyp, refs, smooth_method="floor")),
            "bleuAddK": bleu_dict(sacrebleu.sentence_bleu(hyp, refs, smooth_method="add-k")),
            "bleuNoSmoothing": bleu_dict(sacrebleu.sentence_bleu(hyp, refs, smooth_method="none")),
            "chrf": sacrebleu.sentence_chrf(hyp, refs).score,
            "chrfPlusPlus": sacrebleu.sentence_chrf(hyp, refs, word_order=2).score,
            "chrfEpsSmoothing": sacrebleu.sentence_chrf(hyp, refs, eps_smoothing=True).score,
            "rouge": rouge_dict(scorer.score_multi(refs, hyp)),
            "rougeStemmed": rouge_dict(scorer_stem.score_multi(refs, hyp)),
            "exactMatchSquad": max(compute_exact(r, hyp) for r in refs),
            "exactMatchRaw": int(any(r == hyp for r in refs)),
            "tokenF1Squad": max(compute_f1(r, hyp) for r in refs),
            "squadNormalizedHypothesis": normalize_answer(hyp),
        }
        if "tokenLosses" in p:
            losses = p["tokenLosses"]
            entry["tokenLosses"] = losses
            entry["perplexity"] = math.exp(sum(losses) / len(losses))
        per_pair.append(entry)

    stemmer = PorterStemmer()
    assert stemmer.mode == PorterStemmer.NLTK_EXTENSIONS
    words = set(STEMMER_WORDS)
    words.update(w for w in STEMMER_WORD_FILE.read_text(encoding="utf-8").split() if not w.startswith("#"))
    for p in pairs:
        for text in [p["hypothesis"], *p["references"]]:
            words.update(tokenize.tokenize(text, None))
    stems = {w: stemmer.stem(w) for w in sorted(words)}

    # Generated texts: each one's tokenizations, and scores against the next one as its reference.
    tokenizer_13a = Tokenizer13a()
    texts = generated_cases(300, seed=20261121)
    generated = []
    for i, text in enumerate(texts):
        reference = texts[(i + 1) % len(texts)]
        generated.append({
            "text": text,
            "reference": reference,
            "tokens13a": tokenizer_13a(text),
            "rougeTokens": tokenize.tokenize(text, None),
            "rougeTokensStemmed": tokenize.tokenize(text, PorterStemmer()),
            "squadNormalized": normalize_answer(text),
            "bleu": sacrebleu.sentence_bleu(text, [reference]).score,
            "chrf": sacrebleu.sentence_chrf(text, [reference]).score,
            "chrfPlusPlus": sacrebleu.sentence_chrf(text, [reference], word_order=2).score,
            "rougeStemmed": rouge_dict(scorer_stem.score(reference, text)),
            "tokenF1Squad": compute_f1(reference, text),
        })

    corpus = {
        "bleu": bleu_dict(sacrebleu.corpus_bleu(hyps, streams)),
        "bleuLowercase": bleu_dict(sacrebleu.corpus_bleu(hyps, streams, lowercase=True)),
        "bleuEffectiveOrder": bleu_dict(sacrebleu.corpus_bleu(hyps, streams, use_effective_order=True)),
        "chrf": sacrebleu.corpus_chrf(hyps, streams).score,
        "chrfPlusPlus": sacrebleu.corpus_chrf(hyps, streams, word_order=2).score,
        "rouge": rouge_mean([e["rouge"] for e in per_pair]),
        "rougeStemmed": rouge_mean([e["rougeStemmed"] for e in per_pair]),
        "exactMatchSquad": sum(e["exactMatchSquad"] for e in per_pair) / len(per_pair),
        "tokenF1Squad": sum(e["tokenF1Squad"] for e in per_pair) / len(per_pair),
    }

    out = {
        "generatedBy": "tools/metrics-reference/compute_reference.py",
        "versions": {
            "python": sys.version.split()[0],
            **{name: metadata.version(name) for name in ("sacrebleu", "rouge-score", "nltk")},
        },
        "pairs": per_pair,
        "corpus": corpus,
        "porterStems": stems,
        "generated": generated,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(readable_json(out), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(per_pair)} pairs, {len(stems)} stems", file=sys.stderr)


if __name__ == "__main__":
    main()
