import { EMPTY_REPLY, foldChunk, parseTools } from './chat-stream';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });

describe('foldChunk', () => {
  it('appends content and keeps the finish reason', () => {
    let reply = EMPTY_REPLY;
    for (const c of [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')]) reply = foldChunk(reply, c);
    expect(reply).toEqual({ content: 'Hello', toolCalls: [], finishReason: 'stop' });
  });

  it('builds tool calls from their fragments, by index', () => {
    let reply = EMPTY_REPLY;
    for (const c of [
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', function: { name: 'calculator', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({}, 'tool_calls'),
    ])
      reply = foldChunk(reply, c);
    expect(reply.toolCalls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'calculator', arguments: '{}' } },
    ]);
    expect(reply.finishReason).toBe('tool_calls');
  });

  it('leaves the reply as it was for a chunk without a first choice (the usage chunk)', () => {
    const reply = { content: 'x', toolCalls: [], finishReason: 'stop' };
    expect(foldChunk(reply, { choices: [], usage: { total_tokens: 3 } })).toBe(reply);
  });
});

describe('parseTools', () => {
  it('reads nothing as no tools, and a JSON array of function tools', () => {
    expect(parseTools('  ')).toEqual({ ok: true, tools: undefined });
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    expect(parseTools(JSON.stringify(tools))).toEqual({ ok: true, tools });
  });

  it('says what is wrong otherwise', () => {
    expect(parseTools('{"type": "function"}')).toMatchObject({ ok: false, message: expect.stringMatching(/array/) });
    expect(parseTools('[{"type": "function", "function": {}}]')).toMatchObject({ ok: false, message: expect.stringMatching(/Tool 1/) });
    expect(parseTools('[')).toMatchObject({ ok: false, message: expect.stringMatching(/Not valid JSON/) });
  });
});
