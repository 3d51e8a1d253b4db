import { loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import { DatabaseModelRecords, ModelRegistry } from '@tuneforge/storage';
import OpenAI from 'openai';
import { buildChatPrompt } from '../src/chat/chat-prompt';
import { KEY_A, KEY_B, startServing, TINY_LLAMA_DIR, TINY_MODEL, type Serving } from './serving-harness';

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const question = [{ role: 'user' as const, content: 'What is the weather in Oslo?' }];

/** The error an SDK call failed with, as OpenAI's envelope fields. */
async function apiError(call: Promise<unknown>): Promise<{ status: number; param: string | null | undefined; code: string | null | undefined }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return { status: error.status ?? 0, param: error.param, code: error.code };
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('chat completions through the gateway and the inference service (official openai SDK)', () => {
  let serving: Serving;
  let client: OpenAI;
  let engine: Model;
  let tokenizer: ModelTokenizer;

  beforeAll(async () => {
    serving = await startServing({ TF_INFERENCE_MAX_TOKENS: '3500', TF_INFERENCE_MAX_N: '4', TF_INFERENCE_MAX_SEQUENCES: '4' });
    client = serving.client(KEY_A);
    engine = await Model.load(TINY_LLAMA_DIR, { threads: 1 });
    tokenizer = await loadModelTokenizer(TINY_LLAMA_DIR);
  });

  afterAll(async () => {
    engine?.dispose();
    await serving?.close();
  });

  it('streams the same text as it answers whole, at temperature 0, with usage', async () => {
    const request = { model: TINY_MODEL, messages: question, temperature: 0, max_tokens: 24 };
    const whole = await client.chat.completions.create(request);
    expect(whole.object).toBe('chat.completion');
    expect(whole.choices).toHaveLength(1);
    expect(['stop', 'length']).toContain(whole.choices[0].finish_reason);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finish = choice.finish_reason ?? finish;
      }
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(whole.choices[0].message.content);
    expect(finish).toBe(whole.choices[0].finish_reason);
    expect(usage).toEqual(whole.usage);
    expect(whole.usage?.prompt_tokens).toBe(buildChatPrompt(tokenizer, request).tokens.length);
  });

  it('gives n choices from a seed, the same ones again for the same seed', async () => {
    const request = { model: TINY_MODEL, messages: question, temperature: 1, max_tokens: 16, n: 3, seed: 7 };
    const first = await client.chat.completions.create(request);
    const second = await client.chat.completions.create(request);
    expect(first.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(second.choices.map((choice) => choice.message.content)).toEqual(first.choices.map((choice) => choice.message.content));
    expect(new Set(first.choices.map((choice) => choice.message.content)).size).toBeGreaterThan(1);
  });

  it("reports each token's log-probability as the engine computes it for the same tokens", async () => {
    const request = { model: TINY_MODEL, messages: question, temperature: 0, max_tokens: 12, logprobs: true, top_logprobs: 3 };
    const answer = await client.chat.completions.create(request);
    const entries = answer.choices[0].logprobs!.content!;
    const prompt = buildChatPrompt(tokenizer, request).tokens;
    const [greedy] = await engine.generate([prompt], { maxNewTokens: entries.length, temperature: 0 });
    expect(entries.map((entry) => entry.token)).toEqual(greedy.tokens.map((token) => tokenizer.decode([token])));
    const [teacherForced] = await engine.tokenLogprobs([[...prompt, ...greedy.tokens]]);
    entries.forEach((entry, index) => {
      expect(Math.abs(entry.logprob - teacherForced[prompt.length + index])).toBeLessThanOrEqual(1e-4);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0].logprob).toBeGreaterThanOrEqual(entry.top_logprobs[2].logprob);
    });
  });

  it('answers an unknown model and another tenant\'s fine-tuned model with 404 naming model', async () => {
    expect(await apiError(client.chat.completions.create({ model: 'no-such-model', messages: question }))).toMatchObject({ status: 404, param: 'model' });
    const tuned = 'ft:tiny-llama:tenant-b:mine:abcd1234';
    await new ModelRegistry(serving.store.forTenant('tenant-b'), 'tenant-b', new DatabaseModelRecords(serving.database)).register({ id: tuned, kind: 'fine-tuned', artifact: 'models/tiny-llama', adapter: null, baseArtifact: 'models/tiny-llama', jobId: 'ftjob-abcd1234', created: 1 });
    const own = await serving.client(KEY_B).chat.completions.create({ model: tuned, messages: question, max_tokens: 2 });
    expect(own.model).toBe(tuned);
    expect(await apiError(client.chat.completions.create({ model: tuned, messages: question }))).toMatchObject({ status: 404, param: 'model' });
    expect(await apiError(client.completions.create({ model: tuned, prompt: 'x' }))).toMatchObject({ status: 404, param: 'model' });
    // A client cannot name its tenant: the gateway sets the header from the API key and drops the client's copy.
    const spoofed = client.chat.completions.create({ model: tuned, messages: question }, { headers: { 'x-tuneforge-tenant': 'tenant-b' } });
    expect(await apiError(spoofed)).toMatchObject({ status: 404, param: 'model' });
  });

  it('refuses a request that did not come through the gateway (no tenant header)', async () => {
    const response = await fetch(`${serving.inferenceUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: TINY_MODEL, messages: question }) });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('missing_tenant');
  });

  it('refuses bad requests with 400 naming the param, and keeps serving', async () => {
    const badTools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'strnig' } } } } }];
    expect(await apiError(client.chat.completions.create({ model: TINY_MODEL, messages: question, tools: badTools }))).toMatchObject({ status: 400, param: 'tools.0.function.parameters' });
    expect(await apiError(client.chat.completions.create({ model: TINY_MODEL, messages: question, max_tokens: 100_000 }))).toMatchObject({ status: 400, param: 'max_tokens' });
    expect(await apiError(client.chat.completions.create({ model: TINY_MODEL, messages: question, n: 50 }))).toMatchObject({ status: 400, param: 'n' });
    const malformed = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] as unknown as OpenAI.ChatCompletionMessageParam[];
    expect(await apiError(client.chat.completions.create({ model: TINY_MODEL, messages: malformed }))).toMatchObject({ status: 400, param: 'messages.0.content.0.type' });
    const orphan: OpenAI.ChatCompletionMessageParam[] = [...question, { role: 'tool', tool_call_id: 'call_x', content: '3 C' }];
    expect(await apiError(client.chat.completions.create({ model: TINY_MODEL, messages: orphan }))).toMatchObject({ status: 400, param: 'messages.1.tool_call_id' });
    const after = await client.chat.completions.create({ model: TINY_MODEL, messages: question, max_tokens: 3 });
    expect(after.choices).toHaveLength(1);
  });

  it('renders tools with the model template and reads a call the model writes, with finish_reason tool_calls', async () => {
    const answer = await client.chat.completions.create({
      model: TINY_MODEL,
      messages: question,
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      temperature: 0,
      max_tokens: 8,
    }).catch((error: unknown) => error);
    // An untrained tiny model rarely closes the call it was started on: either a call of the named tool, or the
    // documented refusal of a forced tool choice that held no valid call (never a silent text answer).
    if (answer instanceof OpenAI.APIError) expect(answer.code).toBe('invalid_tool_call');
    else {
      const completion = answer as OpenAI.ChatCompletion;
      expect(completion.choices[0].finish_reason).toBe('tool_calls');
      expect(completion.choices[0].message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    }
  });

  it('frees the slot of a client that disconnects mid-stream', async () => {
    const request = { model: TINY_MODEL, messages: [{ role: 'user' as const, content: 'Count.' }], temperature: 0, max_tokens: 200 };
    // The greedy answer runs the whole budget, so the stream below is still decoding when the client leaves.
    expect((await client.chat.completions.create(request)).choices[0].finish_reason).toBe('length');
    const before = serving.loadedModels().sequences.cancelled;
    const controller = new AbortController();
    const response = await fetch(`${serving.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, max_tokens: 3500, stream: true }),
      signal: controller.signal,
    });
    await firstContentChunk(response.body!.getReader());
    expect(serving.loadedModels().sequences.running).toBe(1);
    controller.abort();
    await waitFor(() => serving.loadedModels().sequences.running === 0);
    expect(serving.loadedModels().sequences.cancelled).toBe(before + 1);
    const metrics = await (await fetch(`${serving.inferenceUrl}/metrics`)).text();
    expect(metrics).toMatch(/tuneforge_inference_sequences_total\{[^}]*finish="cancelled"[^}]*\} [1-9]/);
    expect(metrics).toContain('tuneforge_inference_time_to_first_token_seconds_bucket');
  });
});

/** Reads server-sent events until one carries text: the sequence is then decoding. */
async function firstContentChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended before any text');
    buffered += decoder.decode(value, { stream: true });
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    for (const event of events) {
      const chunk = JSON.parse(event.replace(/^data: /, '')) as OpenAI.ChatCompletionChunk;
      if (chunk.choices[0]?.delta.content) return;
    }
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
