import type { EvaluationMetricName, JobConfig } from '@tuneforge/contracts';
import { corpusBleu, corpusChrf, corpusExactMatch, corpusRouge, corpusTokenF1, sentenceBleu, sentenceChrf } from '@tuneforge/metrics';

export type RequestedMetric = JobConfig['evaluation']['metrics'][number];

/** Text metrics of one model's generations against the references, corpus-level and per example. */
export interface TextScores {
  corpus: Partial<Record<EvaluationMetricName, number>>;
  /** Per example (same order as the hypotheses): sentence-level values, for the report's worst examples. */
  perExample: Array<Partial<Record<EvaluationMetricName, number>>>;
}

/**
 * Scores generations with libs/metrics the way the usual tools report them: BLEU and chrF corpus-level on
 * 0–100 (sacrebleu), ROUGE F-measures averaged over examples (rouge-score, stemmed as most papers run it),
 * exact match and token F1 averaged (SQuAD normalization). `rouge` in the job config asks for rouge1,
 * rouge2 and rougeL together. Only what `requested` names is computed; the rest stays absent.
 */
export function scoreTexts(hypotheses: readonly string[], references: readonly string[], requested: readonly RequestedMetric[]): TextScores {
  const refs = references.map((reference) => [reference]);
  const corpus: TextScores['corpus'] = {};
  const perExample: TextScores['perExample'] = hypotheses.map(() => ({}));
  if (hypotheses.length === 0) return { corpus, perExample };
  const wants = new Set(requested);
  if (wants.has('bleu')) {
    corpus.bleu = corpusBleu(hypotheses, refs).score;
    hypotheses.forEach((hypothesis, i) => (perExample[i].bleu = sentenceBleu(hypothesis, refs[i]).score));
  }
  if (wants.has('chrf')) {
    corpus.chrf = corpusChrf(hypotheses, refs).score;
    hypotheses.forEach((hypothesis, i) => (perExample[i].chrf = sentenceChrf(hypothesis, refs[i]).score));
  }
  if (wants.has('rouge')) {
    const rouge = corpusRouge(hypotheses, refs, { types: ['rouge1', 'rouge2', 'rougeL'], useStemmer: true });
    for (const type of ['rouge1', 'rouge2', 'rougeL'] as const) {
      corpus[type] = rouge.mean[type]?.fmeasure;
      rouge.perExample.forEach((scores, i) => (perExample[i][type] = scores[type]?.fmeasure));
    }
  }
  if (wants.has('exact_match')) {
    const em = corpusExactMatch(hypotheses, refs);
    corpus.exact_match = em.mean;
    em.perExample.forEach((value, i) => (perExample[i].exact_match = value));
  }
  if (wants.has('token_f1')) {
    const f1 = corpusTokenF1(hypotheses, refs);
    corpus.token_f1 = f1.mean;
    f1.perExample.forEach((value, i) => (perExample[i].token_f1 = value));
  }
  return { corpus, perExample };
}
