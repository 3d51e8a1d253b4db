// BLEU and chrF (sacrebleu parity)
export { sentenceBleu, corpusBleu, type BleuOptions, type BleuScore, type BleuSmoothMethod } from './bleu/bleu';
export { tokenize13a } from './bleu/tokenize-13a';
export { sentenceChrf, corpusChrf, CHRF_PLUS_PLUS, type ChrfOptions, type ChrfScore } from './chrf/chrf';

// ROUGE (rouge-score parity)
export {
  sentenceRouge,
  corpusRouge,
  ROUGE_TYPES,
  type RougeType,
  type RougePrf,
  type RougeScores,
  type RougeOptions,
  type CorpusRougeResult,
} from './rouge/rouge';
export { rougeTokenize } from './rouge/rouge-tokenize';
export { porterStem } from './rouge/porter-stemmer';

// GLEU (nltk's sentence_gleu)
export { sentenceGleu, type GleuOptions } from './gleu/gleu';

// SQuAD-style exact match and token F1
export { normalizeAnswer, answerTokens } from './squad/squad-normalize';
export { exactMatch, corpusExactMatch, type ExactMatchOptions, type CorpusExactMatchResult } from './squad/exact-match';
export { tokenF1, corpusTokenF1, type CorpusTokenF1Result } from './squad/token-f1';

// Perplexity
export { perplexity, perplexityFromMeanLoss, corpusPerplexity, type SequenceLoss } from './perplexity/perplexity';

export { MetricInputError } from './metric-input-error';
