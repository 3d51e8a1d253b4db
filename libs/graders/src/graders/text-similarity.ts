import type { TextSimilarityGrader, TextSimilarityMetric } from '@tuneforge/contracts';
import { sentenceBleu, sentenceGleu, sentenceRouge, type RougeType } from '@tuneforge/metrics';
import { GraderRunError, GraderSampleError } from '../grader-errors';
import type { GraderContext, GraderImplementation } from '../grader-types';
import { postToGraderEndpoint } from '../model/grader-endpoint';
import { renderTemplate } from '../template';
import { fuzzyRatio } from './fuzzy-ratio';

/** The metrics Tuneforge cannot compute, with why (validation refuses them). */
export const UNSUPPORTED_SIMILARITY_METRICS: Partial<Record<TextSimilarityMetric, string>> = {
  meteor:
    "evaluation_metric 'meteor' is not supported: METEOR matches synonyms through WordNet, which Tuneforge does not ship. Use 'bleu', 'gleu', 'rouge_1'..'rouge_5', 'rouge_l', 'fuzzy_match' or 'cosine'.",
};

const ROUGE_OF: Partial<Record<TextSimilarityMetric, RougeType>> = {
  rouge_1: 'rouge1',
  rouge_2: 'rouge2',
  rouge_3: 'rouge3',
  rouge_4: 'rouge4',
  rouge_5: 'rouge5',
  rouge_l: 'rougeL',
};

const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-large';

/**
 * OpenAI's text_similarity, scored 0–1 by `@tuneforge/metrics` (the evaluator's numbers): BLEU is sacrebleu's
 * sentence BLEU ÷ 100, GLEU nltk's sentence GLEU, ROUGE rouge-score's F-measure (no stemming), fuzzy_match the
 * normalized Indel similarity; cosine embeds both texts through the endpoint's `/embeddings`.
 */
export const runTextSimilarity: GraderImplementation<TextSimilarityGrader> = async (grader, input, ctx) => {
  const text = renderTemplate(grader.input, input);
  const reference = renderTemplate(grader.reference, input);
  const metric = grader.evaluation_metric;
  const unsupported = UNSUPPORTED_SIMILARITY_METRICS[metric];
  if (unsupported) throw new GraderRunError(unsupported, 'not_configured');
  if (metric === 'fuzzy_match') return { score: fuzzyRatio(text, reference) };
  if (metric === 'bleu') return { score: sentenceBleu(text, [reference]).score / 100 };
  if (metric === 'gleu') return { score: sentenceGleu(text, [reference]) };
  if (metric === 'cosine') return { score: await cosineSimilarity(text, reference, ctx) };
  const rouge = ROUGE_OF[metric] as RougeType;
  return { score: sentenceRouge(text, [reference], { types: [rouge] })[rouge]?.fmeasure ?? 0 };
};

async function cosineSimilarity(a: string, b: string, ctx: GraderContext): Promise<number> {
  const model = ctx.openai?.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
  const answer = (await postToGraderEndpoint(ctx, '/embeddings', { model, input: [a, b], encoding_format: 'float' })) as { data?: Array<{ index?: number; embedding?: unknown }> };
  const data = [...(answer.data ?? [])].sort((x, y) => (x.index ?? 0) - (y.index ?? 0));
  const [u, v] = data.map((item) => item.embedding);
  if (!isVector(u) || !isVector(v) || u.length !== v.length) throw new GraderSampleError(`the embeddings endpoint did not return two vectors of one size for model ${model}`);
  let dot = 0;
  let nu = 0;
  let nv = 0;
  for (let i = 0; i < u.length; i++) {
    dot += u[i] * v[i];
    nu += u[i] * u[i];
    nv += v[i] * v[i];
  }
  return nu === 0 || nv === 0 ? 0 : dot / Math.sqrt(nu * nv);
}

const isVector = (value: unknown): value is number[] => Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number');
