import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Conversation, ToolDefinition } from '../../conversation/conversation.schema';
import { artifactStoreCache } from './llm-response-cache';
import { generateWithLlm, parseSamples } from './llm-sample-generator';
import { FakeChatServer } from './testing/fake-chat-server';

const weather: ToolDefinition = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

const seed: Conversation = { messages: [{ role: 'user', content: 'Hi there' }, { role: 'assistant', content: 'Hello! How can I help?' }] };

describe('generateWithLlm against a real OpenAI-compatible HTTP server', () => {
  const server = new FakeChatServer();
  let baseURL: string;
  beforeAll(async () => {
    baseURL = await server.start();
  });
  afterAll(() => server.stop());

  it('generates, validates, deduplicates, retries 429 and 500, and a re-run is served from the cache', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'llm-cache-'))).forTenant('acme');
    const options = {
      endpoint: { baseURL, model: 'teacher-1', apiKey: 'sk-test' },
      taskDescription: 'Answer weather questions with the get_weather tool.',
      seeds: [seed],
      tools: [weather],
      count: 6,
      seed: 11,
      batchSize: 2,
      concurrency: 2,
      retry: { maxAttempts: 4, initialBackoffMs: 1, maxBackoffMs: 5 },
      cache: artifactStoreCache(store),
    };
    server.failures = new Map([
      [1, 429],
      [2, 500],
      [3, 500],
    ]);
    const first = await generateWithLlm(options);

    expect(first.records).toHaveLength(6);
    expect(first.records.every((r) => r.kind === 'conversation' && r.conversation.tools?.[0].function.name === 'get_weather')).toBe(true);
    const cities = first.records.map((r) => (r.kind === 'conversation' ? JSON.parse(r.conversation.messages[1].role === 'assistant' ? r.conversation.messages[1].tool_calls![0].function.arguments : '{}').city : ''));
    expect(new Set(cities).size).toBe(6);
    // 3 answered requests each carried one invalid sample and one copy of the seed; the last copy came
    // after the count was reached, so it was not even compared.
    expect(first.rejected).toHaveLength(3);
    expect(first.rejected[0].toJSON()).toMatchObject({ file: 'llm-synthetic', path: 'samples[2].messages[1].tool_calls[0].function.name' });
    expect(first.duplicates).toBe(2);
    // 3 successful requests plus 3 failed attempts, each retried.
    expect(first.requests).toBe(6);
    expect(server.requests).toHaveLength(6);
    expect(server.requests[0].authorization).toBe('Bearer sk-test');
    expect(server.requests[0].body.model).toBe('teacher-1');

    const second = await generateWithLlm(options);
    expect(server.requests).toHaveLength(6);
    expect(second.requests).toBe(0);
    expect(second.cacheHits).toBe(3);
    expect(second.records).toEqual(first.records);
  });

  it('gives up after the retry budget on a server that keeps failing, and does not retry a 400', async () => {
    const before = server.requests.length;
    server.failures = new Map(Array.from({ length: 3 }, (_, i) => [before + i + 1, 503] as [number, number]));
    const options = {
      endpoint: { baseURL, model: 'teacher-1', apiKey: 'sk-test' },
      taskDescription: 'x',
      seeds: [seed],
      count: 1,
      seed: 99,
      retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 },
    };
    await expect(generateWithLlm(options)).rejects.toMatchObject({ status: 503 });
    expect(server.requests.length - before).toBe(3);

    server.failures = new Map([[server.requests.length + 1, 400]]);
    const count = server.requests.length;
    await expect(generateWithLlm(options)).rejects.toMatchObject({ status: 400 });
    expect(server.requests.length - count).toBe(1);
  });

  it('reads samples out of code fences and prose, and nothing out of non-JSON', () => {
    expect(parseSamples('Sure! ```json\n{"samples": [{"a": 1}]}\n```')).toEqual([{ a: 1 }]);
    expect(parseSamples('{"messages": []}')).toEqual([{ messages: [] }]);
    expect(parseSamples('no json here')).toEqual([]);
  });
});
