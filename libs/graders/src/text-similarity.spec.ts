import { sentenceBleu, sentenceGleu, sentenceRouge } from '@tuneforge/metrics';
import { runGrader, type Grader } from './index';
import { fuzzyRatio } from './graders/fuzzy-ratio';
import { startFakeOpenAi } from './testing/fake-openai-server';

const similarity = (evaluation_metric: Extract<Grader, { type: 'text_similarity' }>['evaluation_metric']): Grader => ({
  type: 'text_similarity',
  name: 'sim',
  input: '{{sample.output_text}}',
  reference: '{{item.reference}}',
  evaluation_metric,
});
const hypothesis = 'the quick brown fox jumps over the lazy dog';
const reference = 'a quick brown fox jumped over the lazy dog';
const input = { sample: { output_text: hypothesis }, item: { reference } };

describe('text_similarity', () => {
  it("bleu is libs/metrics' sacrebleu sentence BLEU on a 0-1 scale", async () => {
    const expected = sentenceBleu(hypothesis, [reference]).score / 100;
    expect(expected).toBeGreaterThan(0.2);
    expect((await runGrader(similarity('bleu'), input)).score).toBe(expected);
  });

  it("rouge_1, rouge_3 and rouge_l are libs/metrics' rouge-score F-measures", async () => {
    const rouge = sentenceRouge(hypothesis, [reference], { types: ['rouge1', 'rouge3', 'rougeL'] });
    expect((await runGrader(similarity('rouge_1'), input)).score).toBe(rouge.rouge1?.fmeasure);
    expect((await runGrader(similarity('rouge_3'), input)).score).toBe(rouge.rouge3?.fmeasure);
    expect((await runGrader(similarity('rouge_l'), input)).score).toBe(rouge.rougeL?.fmeasure);
    // 7 of 9 unigrams shared both ways; 3 of 7 trigrams (quick brown fox, over the lazy, the lazy dog).
    expect(rouge.rouge1?.fmeasure).toBeCloseTo(7 / 9, 12);
    expect(rouge.rouge3?.fmeasure).toBeCloseTo(3 / 7, 12);
  });

  it('gleu is nltk-style sentence GLEU; fuzzy_match the normalized Indel similarity', async () => {
    expect((await runGrader(similarity('gleu'), input)).score).toBe(sentenceGleu(hypothesis, [reference]));
    expect(fuzzyRatio('kitten', 'sitting')).toBeCloseTo((2 * 4) / 13, 12);
    expect(fuzzyRatio('', '')).toBe(1);
    expect((await runGrader(similarity('fuzzy_match'), { sample: { output_text: 'Paris' }, item: { reference: 'Paris' } })).score).toBe(1);
  });

  it('cosine embeds both texts through the endpoint', async () => {
    const server = await startFakeOpenAi(() => ({ status: 200, body: { object: 'list', data: [{ index: 1, embedding: [1, 1] }, { index: 0, embedding: [1, 0] }] } }));
    try {
      const result = await runGrader(similarity('cosine'), input, { openai: { baseURL: server.baseURL, apiKey: 'k', embeddingModel: 'embed-small' } });
      expect(result.score).toBeCloseTo(Math.SQRT1_2, 12);
      expect(server.requests[0]).toMatchObject({ path: '/v1/embeddings', authorization: 'Bearer k', body: { model: 'embed-small', input: [hypothesis, reference] } });
    } finally {
      await server.close();
    }
  });
});
