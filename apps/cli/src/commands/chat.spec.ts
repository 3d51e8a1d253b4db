import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import type OpenAI from 'openai';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ChatRequest, GatewayClient } from '../gateway-client';
import { runCli } from '../program';

type Chunk = OpenAI.Chat.ChatCompletionChunk;
type Delta = Chunk['choices'][number]['delta'];

const dir = mkdtempSync(join(tmpdir(), 'tf-cli-chat-'));
const toolsFile = join(dir, 'tools.json');
const WEATHER = { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
writeFileSync(toolsFile, JSON.stringify({ tools: [WEATHER] }));

function chunk(delta: Delta, finish: Chunk['choices'][number]['finish_reason'] = null): Chunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'tiny-llama', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
}

/** A streamed reply as the gateway sends it: the role, then each text piece, then the finish. */
function textReply(...pieces: string[]): Chunk[] {
  return [chunk({ role: 'assistant', content: '' }), ...pieces.map((content) => chunk({ content })), chunk({}, 'stop')];
}

async function* stream(chunks: Chunk[]): AsyncGenerator<Chunk> {
  for (const item of chunks) yield item;
}

/** A stand-in for the gateway's streaming chat completions: each request gets the next scripted reply. */
function fakeChat(replies: Array<Chunk[] | ((request: ChatRequest, signal?: AbortSignal) => AsyncIterable<Chunk>) | Error>) {
  const requests: ChatRequest[] = [];
  const client = {
    streamChat: async (request: ChatRequest, signal?: AbortSignal) => {
      requests.push(request);
      const reply = replies.shift();
      if (reply === undefined) throw new Error('no reply scripted');
      if (reply instanceof Error) throw reply;
      return typeof reply === 'function' ? reply(request, signal) : stream(reply);
    },
  };
  return { client: client as unknown as GatewayClient, requests };
}

interface Captured {
  /** stdout as written: streamed pieces and whole lines (with their line ends). */
  stdout: string;
  stderr: string[];
  /** What a terminal showed on stderr: prompts and echoed input. */
  terminal: string;
}

async function chat(argv: string[], input: NodeJS.ReadableStream & { isTTY?: boolean }, fake: ReturnType<typeof fakeChat>, captured: Captured = { stdout: '', stderr: [], terminal: '' }) {
  const terminal = new Writable({
    write(data, _encoding, done) {
      captured.terminal += data.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean };
  terminal.isTTY = input.isTTY;
  const code = await runCli(['chat', ...argv], {
    io: {
      out: (line) => (captured.stdout += `${line}\n`),
      err: (line) => captured.stderr.push(line),
      write: (text) => (captured.stdout += text),
      progressStream: terminal,
      input,
    },
    env: {},
    makeClient: () => fake.client,
  });
  return { code, ...captured, requests: fake.requests };
}

const lines = (...text: string[]) => Readable.from([text.map((line) => `${line}\n`).join('')]);

describe('tuneforge chat', () => {
  it('reads one turn per line, streams each reply as it arrives and sends the whole conversation each time', async () => {
    const fake = fakeChat([textReply('Hel', 'lo', '!'), textReply('Fine, ', 'thanks.')]);
    const result = await chat(['tiny-llama', '--system', 'Be brief.', '--temperature', '0', '--max-tokens', '32'], lines('hi', '', 'how are you?'), fake);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Hello!\nFine, thanks.\n');
    // No prompts when stdin is not a terminal.
    expect(result.terminal).toBe('');
    expect(result.stderr).toEqual([]);
    expect(result.requests).toEqual([
      { model: 'tiny-llama', temperature: 0, max_tokens: 32, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] },
      {
        model: 'tiny-llama',
        temperature: 0,
        max_tokens: 32,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'how are you?' },
        ],
      },
    ]);
  });

  it('writes each piece the moment it arrives, before the reply is over', async () => {
    const captured: Captured = { stdout: '', stderr: [], terminal: '' };
    const seen: string[] = [];
    const fake = fakeChat([
      async function* () {
        yield chunk({ role: 'assistant', content: '' });
        yield chunk({ content: 'one ' });
        seen.push(captured.stdout);
        yield chunk({ content: 'two' });
        seen.push(captured.stdout);
        yield chunk({}, 'stop');
      },
    ]);
    await chat(['m'], lines('go'), fake, captured);
    expect(seen).toEqual(['one ', 'one two']);
    expect(captured.stdout).toBe('one two\n');
  });

  it('/exit ends the chat: nothing after it is sent', async () => {
    const fake = fakeChat([textReply('ok')]);
    const result = await chat(['m'], lines('first', '/exit', 'never sent'), fake);
    expect(result.code).toBe(0);
    expect(result.requests).toHaveLength(1);
    expect(result.stdout).toBe('ok\n');
  });

  it('offers --tools, prints a call as name(args) from its deltas, sends the next line as its result, then the model answers', async () => {
    const fake = fakeChat([
      [
        chunk({ role: 'assistant' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({}, 'tool_calls'),
      ],
      textReply('It is sunny in Paris.'),
    ]);
    const result = await chat(['ft:tiny-llama:acme::abcd1234', '--tools', toolsFile], lines("What's the weather in Paris?", '{"sky": "sunny"}', '/exit'), fake);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('tool call: get_weather({"city": "Paris"})\nIt is sunny in Paris.\n');
    expect(result.stderr).toEqual(['the next line is the result of get_weather']);
    expect(result.requests[0]).toEqual({ model: 'ft:tiny-llama:acme::abcd1234', tools: [WEATHER], messages: [{ role: 'user', content: "What's the weather in Paris?" }] });
    expect(result.requests[1].messages).toEqual([
      { role: 'user', content: "What's the weather in Paris?" },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"sky": "sunny"}' },
    ]);
  });

  it('several calls in one reply: one result line each, in order, before the model is asked again', async () => {
    const call = (index: number, id: string, city: string) => chunk({ tool_calls: [{ index, id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } }] });
    const fake = fakeChat([[chunk({ role: 'assistant', content: 'Checking. ' }), call(0, 'call_1', 'Oslo'), call(1, 'call_2', 'Rome'), chunk({}, 'tool_calls')], textReply('Cold and warm.')]);
    const result = await chat(['m', '--tools', toolsFile], lines('Oslo or Rome?', 'cold', 'warm'), fake);
    expect(result.stdout).toBe('Checking. \ntool call: get_weather({"city":"Oslo"})\ntool call: get_weather({"city":"Rome"})\nCold and warm.\n');
    expect(result.stderr).toEqual(['the next 2 lines are the results of get_weather, get_weather']);
    expect(result.requests).toHaveLength(2);
    expect(result.requests[1].messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Checking. ', tool_calls: [expect.objectContaining({ id: 'call_1' }), expect.objectContaining({ id: 'call_2' })] },
      { role: 'tool', tool_call_id: 'call_1', content: 'cold' },
      { role: 'tool', tool_call_id: 'call_2', content: 'warm' },
    ]);
  });

  it('says when a reply was cut at the token limit', async () => {
    const fake = fakeChat([[chunk({ role: 'assistant', content: '' }), chunk({ content: 'and so' }), chunk({}, 'length')]]);
    const result = await chat(['m', '--max-tokens', '2'], lines('tell me'), fake);
    expect(result.stdout).toBe('and so\n');
    expect(result.stderr).toEqual(['(the reply reached the token limit)']);
  });

  it('an API error exits 4 with its message and param; a gateway that cannot be reached exits 5', async () => {
    const invalid = APIError.generate(400, { error: { message: 'expected a JSON Schema object', type: 'invalid_request_error', param: 'tools.0.function.parameters', code: null } }, undefined, new Headers());
    const refused = await chat(['m'], lines('hi', 'again'), fakeChat([invalid]));
    expect(refused.code).toBe(4);
    expect(refused.stderr).toEqual(['tuneforge: HTTP 400: expected a JSON Schema object (param: tools.0.function.parameters)']);
    expect(refused.requests).toHaveLength(1);

    const unknown = APIError.generate(404, { error: { message: 'The model ft:nope does not exist', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }, undefined, new Headers());
    expect((await chat(['ft:nope'], lines('hi'), fakeChat([unknown]))).stderr).toEqual(['tuneforge: HTTP 404: The model ft:nope does not exist (param: model)']);

    // An error event in the middle of a stream (the SDK throws it while iterating).
    const midStream = fakeChat([
      async function* () {
        yield chunk({ role: 'assistant', content: 'par' });
        throw new APIError(undefined, { message: 'the model failed', type: 'server_error', param: null, code: null }, 'the model failed', new Headers());
      },
    ]);
    const broken = await chat(['m'], lines('hi'), midStream);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toEqual(['tuneforge: the model failed']);

    const offline = await chat(['m'], lines('hi'), fakeChat([new APIConnectionError({ cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })]));
    expect(offline.code).toBe(5);
    expect(offline.stderr).toEqual(['tuneforge: cannot reach the gateway at http://127.0.0.1:8080/v1: ECONNREFUSED']);
  });

  it('usage errors exit 2 before anything is sent: a bad tools file, a bad temperature, no model', async () => {
    const badTools = join(dir, 'bad-tools.json');
    writeFileSync(badTools, JSON.stringify([{ type: 'function', function: { name: 'has space' } }]));
    for (const argv of [['m', '--tools', badTools], ['m', '--tools', join(dir, 'missing.json')], ['m', '--temperature', '3'], ['m', '--max-tokens', '0'], []]) {
      const fake = fakeChat([]);
      const result = await chat(argv, lines('hi'), fake);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.requests).toEqual([]);
    }
    const fake = fakeChat([]);
    expect((await chat(['m', '--tools', badTools], lines('hi'), fake)).stderr.join('\n')).toMatch(/--tools .*bad-tools\.json does not hold OpenAI function tools[\s\S]*0\.function\.name/);
  });

  it('on a terminal: prompts on stderr, Ctrl-C stops the reply being streamed (the shown text stays), Ctrl-C at the prompt ends the chat', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    let firstPiece!: () => void;
    const started = new Promise<void>((resolve) => (firstPiece = resolve));
    const fake = fakeChat([
      async function* (_request, signal) {
        yield chunk({ role: 'assistant', content: 'a long ' });
        firstPiece();
        await new Promise((resolve) => signal!.addEventListener('abort', resolve));
        throw new APIUserAbortError();
      },
      textReply('short'),
    ]);
    const captured: Captured = { stdout: '', stderr: [], terminal: '' };
    const running = chat(['m'], input, fake, captured);
    input.write('tell me a story\r');
    await started;
    input.write('\x03');
    await waitFor(() => captured.stderr.includes('(interrupted)'));
    input.write('shorter\r');
    await waitFor(() => captured.stdout.endsWith('short\n'));
    input.write('\x03');
    const result = await running;
    expect(result.code).toBe(0);
    expect(captured.stderr[0]).toBe('chatting with m; /exit or Ctrl-D ends it');
    expect(captured.terminal).toContain('> ');
    expect(captured.stdout).toBe('a long \nshort\n');
    expect(result.requests[1].messages).toEqual([
      { role: 'user', content: 'tell me a story' },
      { role: 'assistant', content: 'a long ' },
      { role: 'user', content: 'shorter' },
    ]);
  });

  it('on a terminal, a waiting tool call shows in the prompt', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const fake = fakeChat([[chunk({ role: 'assistant' }), chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }), chunk({}, 'tool_calls')]]);
    const captured: Captured = { stdout: '', stderr: [], terminal: '' };
    const running = chat(['m', '--tools', toolsFile], input, fake, captured);
    input.write('weather in Oslo?\r');
    await waitFor(() => captured.terminal.includes('get_weather result> '));
    input.write('/exit\r');
    expect((await running).code).toBe(0);
    expect(captured.stderr[0]).toBe('chatting with m (tools: get_weather); /exit or Ctrl-D ends it');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
