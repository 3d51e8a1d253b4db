import { loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import OpenAI from 'openai';
import { KEY_A, startServing, TINY_LLAMA_DIR, TINY_MODEL, type Serving } from './serving-harness';

const PROMPT = 'Question: what is 2 + 2?\nThought:';

describe('text completions through the gateway and the inference service (official openai SDK)', () => {
  let serving: Serving;
  let client: OpenAI;
  let engine: Model;
  let tokenizer: ModelTokenizer;

  beforeAll(async () => {
    serving = await startServing();
    client = serving.client(KEY_A);
    engine = await Model.load(TINY_LLAMA_DIR, { threads: 1 });
    tokenizer = await loadModelTokenizer(TINY_LLAMA_DIR);
  });

  afterAll(async () => {
    engine?.dispose();
    await serving?.close();
  });

  it('echoes the prompt with the log-probability of every token, prompt and completion, as the engine gives them', async () => {
    const completion = await client.completions.create({ model: TINY_MODEL, prompt: PROMPT, max_tokens: 10, temperature: 0, logprobs: 2, echo: true });
    const [choice] = completion.choices;
    expect(completion.object).toBe('text_completion');
    expect(choice.text.startsWith(PROMPT)).toBe(true);
    const promptTokens = tokenizer.encode(PROMPT, true);
    const logprobs = choice.logprobs!;
    expect(logprobs.token_logprobs![0]).toBeNull();
    expect(logprobs.tokens!.slice(0, promptTokens.length)).toEqual(promptTokens.map((token) => tokenizer.decode([token])));
    const [greedy] = await engine.generate([promptTokens], { maxNewTokens: logprobs.tokens!.length - promptTokens.length, temperature: 0 });
    const [expected] = await engine.tokenLogprobs([[...promptTokens, ...greedy.tokens]]);
    logprobs.token_logprobs!.slice(1).forEach((logprob, index) => expect(Math.abs(logprob! - expected[index + 1])).toBeLessThanOrEqual(1e-4));
    expect(logprobs.text_offset![promptTokens.length]).toBe(PROMPT.length);
    expect(Object.keys(logprobs.top_logprobs![promptTokens.length]!).length).toBeGreaterThanOrEqual(1);
    expect(completion.usage).toMatchObject({ prompt_tokens: promptTokens.length, completion_tokens: greedy.tokens.length });
  });

  it('streams the same text at temperature 0, and ends at a stop string without it', async () => {
    const request = { model: TINY_MODEL, prompt: PROMPT, max_tokens: 30, temperature: 0 };
    const whole = (await client.completions.create(request)).choices[0];
    let streamed = '';
    for await (const chunk of await client.completions.create({ ...request, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    expect(streamed).toBe(whole.text);
    const stop = whole.text.slice(8, 11);
    const cut = (await client.completions.create({ ...request, stop: [stop] })).choices[0];
    expect(cut.text).toBe(whole.text.slice(0, whole.text.indexOf(stop)));
    expect(cut.finish_reason).toBe('stop');
  });

  it('continues a list of prompts, n choices each, indexed prompt by prompt', async () => {
    const completion = await client.completions.create({ model: TINY_MODEL, prompt: ['One', 'Two'], n: 2, max_tokens: 4, seed: 3 });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3]);
    expect(completion.usage?.prompt_tokens).toBe(tokenizer.encode('One', true).length + tokenizer.encode('Two', true).length);
  });
});
