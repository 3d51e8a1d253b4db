import { conversationToReact, validateConversation } from '@tuneforge/datasets';
import { ScriptedModel } from '../model/scripted-model';
import { QwenToolCallParser } from '../parsers/qwen-parser';
import { ReactParser } from '../parsers/react-parser';
import { createCalculatorTool } from '../tools/calculator';
import { createFixtureTools } from '../tools/fixture-tools';
import { ToolExecutor } from '../tools/tool-executor';
import { ToolRegistry } from '../tools/tool-registry';
import { runAgent } from './run-agent';

const tool = (name: string, input: string) => `\nThought: Do I need to use a tool? Yes.\nAction: ${name}\nAction Input: ${input}`;
const answer = (text: string) => `\nThought: Do I need to use a tool? No.\nFinal Answer: ${text}`;
const task = [{ role: 'user' as const, content: 'What is 17*3?' }];
const prompts = (model: ScriptedModel) => model.calls.map((c) => ('prompt' in c.input ? c.input.prompt : ''));

describe('runAgent with ReAct', () => {
  it('stops at the observation, runs the tool, feeds the result back and ends on the final answer', async () => {
    // The first output goes on to invent an observation; the stop string must cut it before the tool runs.
    const INPUT = '{"expression":"17*3"}';
    const model = new ScriptedModel([`${tool('calculator', INPUT)}\nObservation: 50\nThought: done`, answer('51')]);
    const { trajectories } = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: task, maxTurns: 4 });
    expect(trajectories).toHaveLength(1);
    const [t] = trajectories;
    expect(t).toMatchObject({ end: 'final_answer', finalAnswer: '51', chain: 0, sessionId: 'chain-0' });
    expect(t.turns.map((r) => [r.finishReason, r.stop, r.stoppedAtObservation])).toEqual([
      ['stop', '\nObservation:', true],
      ['eos', undefined, false],
    ]);
    expect(t.turns[0].raw).toBe(tool('calculator', INPUT));
    expect(t.turns[0].toolCalls).toEqual([
      expect.objectContaining({ id: 'call_0_1_1', name: 'calculator', arguments: { expression: '17*3' }, outcome: expect.objectContaining({ observation: '51' }) }),
    ]);
    expect(model.calls.map((c) => c.options.stop)).toEqual([['\nObservation:'], ['\nObservation:']]);
    const [first, second] = prompts(model);
    expect(second).toBe(`${first}${tool('calculator', INPUT)}\nObservation: 51`);

    expect(t.messages).toEqual([
      { role: 'user', content: 'What is 17*3?' },
      {
        role: 'assistant',
        content: null,
        reasoning: 'Do I need to use a tool? Yes.',
        tool_calls: [{ id: 'call_0_1_1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"17*3"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_0_1_1', content: '51' },
      { role: 'assistant', content: '51', reasoning: 'Do I need to use a tool? No.' },
    ]);
    // The trajectory is training data: valid, and rendered back it gives the prompts the model was shown.
    const tools = new ToolRegistry([createCalculatorTool()]).definitions();
    expect(validateConversation({ messages: t.messages, tools })).toEqual([]);
    expect(conversationToReact({ messages: t.messages, tools }, { describeTools: true }).map((s) => s.prompt)).toEqual([first, second]);
  });

  it('maps free-text Action Input to a single-input tool and keeps what the model wrote in the trajectory', async () => {
    const model = new ScriptedModel([tool('calculator', '17*3'), answer('51')]);
    const { trajectories } = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: task });
    expect(trajectories[0].turns[0].toolCalls[0]).toMatchObject({ arguments: { input: '17*3' }, outcome: { arguments: { expression: '17*3' }, observation: '51' } });
    expect(trajectories[0].messages[1]).toMatchObject({ tool_calls: [{ function: { arguments: '{"input":"17*3"}' } }] });
  });

  it('continues a conversation given with earlier turns, prompting exactly as training rendered that step', async () => {
    const history = [
      { role: 'user' as const, content: 'What is 17*3?' },
      { role: 'assistant' as const, content: null, tool_calls: [{ id: 'h1', type: 'function' as const, function: { name: 'calculator', arguments: '{"expression":"17*3"}' } }] },
      { role: 'tool' as const, tool_call_id: 'h1', content: '51' },
    ];
    const model = new ScriptedModel([answer('51')]);
    const { trajectories } = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: history });
    const tools = new ToolRegistry([createCalculatorTool()]).definitions();
    const training = conversationToReact({ messages: [...history, { role: 'assistant', content: '51' }], tools }, { describeTools: true });
    expect(prompts(model)).toEqual([training[1].prompt]);
    expect(trajectories[0].messages).toEqual([...history, { role: 'assistant', content: '51', reasoning: 'Do I need to use a tool? No.' }]);
    await expect(
      runAgent({ model, tools: [], parser: new ReactParser(), messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] }),
    ).rejects.toThrow('messages[0].tool_calls[0].function.arguments: expected JSON text of an object');
  });

  it('feeds back unknown tools and tool errors as observations', async () => {
    const model = new ScriptedModel([tool('weather', 'Oslo'), tool('calculator', '1/0'), tool('calculator', '{"expr": "1"}'), answer('I cannot tell.')]);
    const { trajectories } = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: task });
    const [t] = trajectories;
    expect(t.end).toBe('final_answer');
    expect(t.turns.map((r) => r.toolCalls[0]?.outcome.error?.code)).toEqual(['unknown_tool', 'tool_error', 'invalid_arguments', undefined]);
    const last = prompts(model)[3];
    expect(last).toContain('\nAction: weather\nAction Input: Oslo\nObservation: Error: unknown tool "weather"; available tools: calculator');
    expect(last).toContain('\nAction Input: 1/0\nObservation: Error: division by zero at position 2');
    expect(last).toContain('\nObservation: Error: invalid arguments for calculator: expected arguments matching the calculator schema');
  });

  it('records malformed output as a parse error, tells the model what was expected, and goes on', async () => {
    const model = new ScriptedModel(['I think it is 51.', `\nThought: Do I need to use a tool? Yes.\nAction: calculator`, answer('51')]);
    const { trajectories } = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: task });
    const [t] = trajectories;
    expect(t.end).toBe('final_answer');
    expect(t.turns.map((r) => r.parseError?.code)).toEqual(['no_decision', 'incomplete_step', undefined]);
    expect(t.turns[0].observations[0]).toMatch(/^Invalid format \(react, line 1, column 1\): expected "Thought:"/);
    expect(prompts(model)[1]).toBe(`${prompts(model)[0]}I think it is 51.\nObservation: ${t.turns[0].observations[0]}`);
    expect(t.messages[1]).toEqual({ role: 'assistant', content: 'I think it is 51.' });
    expect(t.messages[2]).toEqual({ role: 'user', content: t.turns[0].observations[0] });
  });

  it('ends the chain on unreadable output when asked to', async () => {
    const model = new ScriptedModel(['gibberish…', answer('never reached')]);
    const { trajectories } = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: task, onParseError: 'stop' });
    expect(trajectories[0]).toMatchObject({ end: 'parse_error', turns: [{ finishReason: 'length', parseError: { code: 'no_decision' } }] });
    expect(model.calls).toHaveLength(1);
  });

  it('stops after maxTurns generations without a final answer', async () => {
    const model = new ScriptedModel(() => tool('calculator', '1+1'));
    const { trajectories } = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: task, maxTurns: 3 });
    expect(model.calls).toHaveLength(3);
    expect(trajectories[0].end).toBe('max_turns');
    expect(trajectories[0].finalAnswer).toBeUndefined();
    expect(trajectories[0].turns.map((r) => r.turn)).toEqual([1, 2, 3]);
    await expect(runAgent({ model, tools: [], parser: new ReactParser(), messages: task, maxTurns: 0 })).rejects.toThrow('maxTurns must be a positive integer');
  });

  it('runs numChains independent chains with their own sessions and seeds', async () => {
    const model = new ScriptedModel([
      [tool('calculator', '2*3'), answer('6')],
      [answer('5')],
      [tool('calculator', '2+3'), tool('calculator', '2+3+1'), answer('6')],
    ]);
    const result = await runAgent({ model, tools: [createCalculatorTool()], parser: new ReactParser(), messages: task, numChains: 3, generation: { temperature: 0.7, seed: 10 } });
    const { trajectories, memory } = result;
    expect(trajectories.map((t) => [t.chain, t.sessionId, t.finalAnswer, t.turns.length])).toEqual([
      [0, 'chain-0', '6', 2],
      [1, 'chain-1', '5', 1],
      [2, 'chain-2', '6', 3],
    ]);
    expect(memory.sessionIds().sort()).toEqual(['chain-0', 'chain-1', 'chain-2']);
    const seeds = new Map(model.calls.map((c) => [c.options.chain, c.options.seed]));
    expect([...seeds.entries()].sort()).toEqual([
      [0, 10],
      [1, 11],
      [2, 12],
    ]);
    expect(model.calls.every((c) => c.options.temperature === 0.7)).toBe(true);
    // Chain 2 never sees chain 0's observation.
    const chain2 = model.calls.filter((c) => c.options.chain === 2).map((c) => ('prompt' in c.input ? c.input.prompt : ''));
    expect(chain2.at(-1)).toContain('Observation: 5');
    expect(chain2.at(-1)).not.toContain('Action Input: 2*3');
    await expect(runAgent({ model, tools: [], parser: new ReactParser(), messages: task, numChains: 0 })).rejects.toThrow('numChains must be a positive integer');
  });
});

describe('runAgent with chat tool calls', () => {
  const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
  const tools = createFixtureTools([weather], [{ tool: 'get_weather', arguments: { city: 'Oslo' }, response: '3 C' }]);
  const call = (json: string) => `<tool_call>\n${json}\n</tool_call>`;

  it('gives the model messages and tools, feeds malformed calls back, and executes several calls per turn', async () => {
    const model = new ScriptedModel([
      call('{"name": "get_weather", "arguments": {"city": "Oslo",}}'),
      `${call('{"name": "get_weather", "arguments": {"city": "Oslo"}}')}\n${call('{"name": "get_weather", "arguments": {"city": "Rome"}}')}`,
      'Oslo has 3 C; Rome is unknown.',
    ]);
    const fewShot = [
      { role: 'user' as const, content: 'Weather in Paris?' },
      { role: 'assistant' as const, content: 'I can only check with the tool.' },
    ];
    const { trajectories } = await runAgent({
      model,
      tools,
      parser: new QwenToolCallParser(),
      messages: [{ role: 'user', content: 'Weather in Oslo and Rome?' }],
      system: 'Use tools.',
      fewShot,
    });
    const [t] = trajectories;
    expect(t.end).toBe('final_answer');
    expect(t.turns.map((r) => r.stoppedAtObservation)).toEqual([undefined, undefined, undefined]);
    expect(t.turns[0].parseError).toMatchObject({ format: 'qwen', code: 'invalid_json', line: 2 });
    expect(t.turns[1].toolCalls.map((c) => c.outcome.observation)).toEqual(['3 C', 'Error: get_weather has no result for {"city":"Rome"}']);
    const second = model.calls[1].input;
    expect('messages' in second && second.messages.slice(0, 3)).toEqual([{ role: 'system', content: 'Use tools.' }, ...fewShot]);
    expect('messages' in second && second.tools).toEqual([weather]);
    const third = model.calls[2].input;
    expect('messages' in third && third.messages.slice(-3).map((m) => m.role)).toEqual(['assistant', 'tool', 'tool']);
    expect(t.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'tool', 'tool', 'assistant']);
    expect(t.messages[3].content).toMatch(/^Invalid format \(qwen, line 2, column \d+\): expected valid JSON/);
    expect(validateConversation({ messages: t.messages, tools: [weather] })).toEqual([]);
  });

  it('accepts an executor with hooks', async () => {
    const seen: string[] = [];
    const executor = new ToolExecutor(new ToolRegistry(tools), { hooks: [{ afterAction: (o, ctx) => void seen.push(`${ctx.chain}/${ctx.turn}:${o.observation}`) }] });
    const model = new ScriptedModel([call('{"name": "get_weather", "arguments": {"city": "oslo"}}'), 'It is 3 C.']);
    const { trajectories } = await runAgent({ model, tools: executor, parser: new QwenToolCallParser(), messages: [{ role: 'user', content: 'Oslo?' }] });
    expect(trajectories[0].finalAnswer).toBe('It is 3 C.');
    expect(seen).toEqual(['0/1:3 C']);
  });
});
