import { GraderRunError, runGrader, validateGrader, type Grader } from './index';
import { chatCompletion, startFakeOpenAi } from './testing/fake-openai-server';

const judge: Grader = {
  type: 'score_model',
  name: 'judge',
  model: 'ft:tiny-llama:judge',
  input: [
    { role: 'developer', content: 'Rate the answer from 1 to 7.' },
    { role: 'user', content: [{ type: 'input_text', text: 'Question: {{item.question}}' }, { type: 'input_text', text: 'Answer: {{sample.output_text}}' }] },
  ],
  range: [1, 7],
  sampling_params: { temperature: 0, seed: 3, max_completions_tokens: 16 },
};
const input = { sample: { output_text: '4' }, item: { question: '2 + 2?' } };

describe('score_model', () => {
  it('sends the rendered messages to /chat/completions and reads the score', async () => {
    const server = await startFakeOpenAi(() => ({ status: 200, body: chatCompletion('{"result": 6}') }));
    try {
      const result = await runGrader(judge, input, { openai: { baseURL: server.baseURL, apiKey: 'key' } });
      expect(result).toEqual({ score: 6 });
      const { body } = server.requests[0];
      expect(body).toMatchObject({ model: 'ft:tiny-llama:judge', temperature: 0, seed: 3, max_tokens: 16 });
      const messages = body.messages as Array<{ role: string; content: string }>;
      expect(messages[0]).toEqual({ role: 'system', content: 'Rate the answer from 1 to 7.' });
      expect(messages[1]).toEqual({ role: 'user', content: 'Question: 2 + 2?\nAnswer: 4' });
      expect(messages[2].content).toContain('a number from 1 to 7');
    } finally {
      await server.close();
    }
  });

  it('a plain-number reply is read and clamped to the range; a reply without a number scores 0 with an error', async () => {
    const replies = ['Score: 9 out of 7', 'I cannot say'];
    const server = await startFakeOpenAi(() => ({ status: 200, body: chatCompletion(replies.shift() as string) }));
    try {
      const ctx = { openai: { baseURL: server.baseURL, apiKey: 'key' } };
      expect(await runGrader(judge, input, ctx)).toEqual({ score: 7 });
      const unreadable = await runGrader(judge, input, ctx);
      expect(unreadable.score).toBe(0);
      expect(unreadable.error).toContain('holds no score');
    } finally {
      await server.close();
    }
  });

  it('an endpoint answering 503 is retried with backoff, then the run fails with a clear error', async () => {
    const server = await startFakeOpenAi(() => ({ status: 503, body: { error: { message: 'model loading' } } }));
    try {
      const run = runGrader(judge, input, { openai: { baseURL: server.baseURL, apiKey: 'key', attempts: 3, backoffMs: 10 } });
      await expect(run).rejects.toThrow(GraderRunError);
      await expect(run).rejects.toThrow(/did not answer after 3 attempts \(last: HTTP 503: model loading\)/);
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('an endpoint that is down (connection refused) fails the run after its attempts; a 404 fails it at once', async () => {
    const server = await startFakeOpenAi(() => ({ status: 404, body: { error: { message: 'model ft:tiny-llama:judge not found' } } }));
    const baseURL = server.baseURL;
    await expect(runGrader(judge, input, { openai: { baseURL, apiKey: 'key' } })).rejects.toThrow(/refused the request \(HTTP 404: model ft:tiny-llama:judge not found\)/);
    expect(server.requests).toHaveLength(1);
    await server.close();
    const down = runGrader(judge, input, { openai: { baseURL, apiKey: 'key', attempts: 2, backoffMs: 10 } });
    await expect(down).rejects.toMatchObject({ code: 'endpoint_unreachable', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('without an endpoint configured, the run fails saying so', async () => {
    await expect(runGrader(judge, input)).rejects.toMatchObject({ code: 'not_configured' });
  });
});

describe('logit', () => {
  const question: Grader = { type: 'logit', name: 'solved', model: 'judge', input: [{ role: 'user', content: 'Did this answer {{item.question}} correctly? {{sample.output_text}} Answer yes or no.' }] };

  it('scores P(yes) / (P(yes) + P(no)) from the first token\'s top log-probabilities', async () => {
    const top = [
      { token: ' Yes', logprob: Math.log(0.6) },
      { token: 'yes', logprob: Math.log(0.1) },
      { token: ' No', logprob: Math.log(0.2) },
      { token: 'Maybe', logprob: Math.log(0.1) },
    ];
    const server = await startFakeOpenAi(() => ({ status: 200, body: chatCompletion(' Yes', top) }));
    try {
      const result = await runGrader(question, input, { openai: { baseURL: server.baseURL, apiKey: 'key' } });
      expect(result.score).toBeCloseTo(0.7 / 0.9, 12);
      expect(server.requests[0].body).toMatchObject({ max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20 });
    } finally {
      await server.close();
    }
  });

  it('no log-probabilities, or neither word among them, scores 0 with an error', async () => {
    const bodies = [chatCompletion('Sure'), chatCompletion('Sure', [{ token: 'Sure', logprob: -0.1 }])];
    const server = await startFakeOpenAi(() => ({ status: 200, body: bodies.shift() }));
    try {
      const ctx = { openai: { baseURL: server.baseURL, apiKey: 'key' } };
      expect((await runGrader(question, input, ctx)).error).toContain('no log-probabilities');
      expect((await runGrader(question, input, ctx)).error).toContain('neither a yes nor a no');
    } finally {
      await server.close();
    }
  });
});

describe('label_model', () => {
  const classifier: Grader = {
    type: 'label_model',
    name: 'tone',
    model: 'ft:tiny-llama:judge',
    input: [{ role: 'user', content: 'Classify the tone of: {{sample.output_text}}' }],
    labels: ['positive', 'neutral', 'negative'],
    passing_labels: ['positive', 'neutral'],
  };

  it('asks for one of the labels and scores 1 for a passing label, 0 for another, 0 with the reason for no label', async () => {
    const replies = ['{"result": "Neutral"}', 'negative.', 'I think the tone is positive overall', 'positive or negative', 'unclear'];
    const server = await startFakeOpenAi(() => ({ status: 200, body: chatCompletion(replies.shift() as string) }));
    try {
      const ctx = { openai: { baseURL: server.baseURL, apiKey: 'key' } };
      const sample = { sample: { output_text: 'Glad to help!' }, item: {} };
      expect(await runGrader(classifier, sample, ctx)).toEqual({ score: 1 });
      expect(await runGrader(classifier, sample, ctx)).toEqual({ score: 0 });
      expect(await runGrader(classifier, sample, ctx)).toEqual({ score: 1 });
      // 'positive or negative' names two labels, 'unclear' none.
      for (const unreadable of [await runGrader(classifier, sample, ctx), await runGrader(classifier, sample, ctx)]) {
        expect(unreadable.score).toBe(0);
        expect(unreadable.error).toContain('names none of the labels');
      }
      const messages = server.requests[0].body.messages as Array<{ role: string; content: string }>;
      expect(messages[0]).toEqual({ role: 'user', content: 'Classify the tone of: Glad to help!' });
      expect(messages[1].content).toBe('Reply with exactly one of these labels and nothing else: "positive", "neutral", "negative".');
    } finally {
      await server.close();
    }
  });

  it('is refused when a passing label is not one of the labels', () => {
    expect(validateGrader({ ...classifier, passing_labels: ['happy'] } as Grader)).toMatchObject({ ok: false, param: expect.stringContaining('passing_labels') });
  });
});
