import { type AgentTool, type ToolContext, ToolError } from './agent-tool';
import { createCalculatorTool } from './calculator';
import { createFixtureTools } from './fixture-tools';
import { createRetrievalTool } from './retrieval-tool';
import { ToolExecutor, type ToolHook, mapSingleInput } from './tool-executor';
import { ToolRegistry } from './tool-registry';

const context: ToolContext = { callId: 'call_1', sessionId: 'chain-0', chain: 0, turn: 1 };
const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
  },
};

describe('ToolRegistry', () => {
  it('lists OpenAI definitions and refuses bad or duplicate names', () => {
    const registry = new ToolRegistry([createCalculatorTool()]);
    expect(registry.definitions()).toEqual([{ type: 'function', function: expect.objectContaining({ name: 'calculator', parameters: expect.objectContaining({ type: 'object' }) }) }]);
    expect(() => registry.register(createCalculatorTool())).toThrow('registered twice');
    expect(() => registry.register({ name: 'bad name', execute: () => '' })).toThrow('1-64 letters');
    expect(() => registry.register({ name: 'x', parameters: { type: 'string' }, execute: () => '' })).toThrow('"type": "object"');
  });

  it('validates arguments against the JSON Schema', () => {
    const registry = new ToolRegistry(createFixtureTools([weather], []));
    expect(registry.argumentsProblem('get_weather', { city: 'Oslo', unit: 'c' })).toBeUndefined();
    expect(registry.argumentsProblem('get_weather', { unit: 'c' })).toContain('city');
    expect(registry.argumentsProblem('get_weather', { city: 'Oslo', unit: 'kelvin' })).toContain('unit');
    expect(registry.argumentsProblem('nope', {})).toContain('one of get_weather');
  });
});

describe('ToolExecutor', () => {
  const failing: AgentTool = {
    name: 'flaky',
    execute: () => {
      throw new Error('backend down');
    },
  };
  const polite: AgentTool = {
    name: 'polite',
    execute: () => {
      throw new ToolError('no results for that query');
    },
  };
  const slow: AgentTool = { name: 'slow', execute: () => new Promise((resolve) => setTimeout(() => resolve('late'), 1000)) };
  const structured: AgentTool = { name: 'structured', execute: () => ({ temperature: 3 }) };
  const executor = new ToolExecutor(new ToolRegistry([createCalculatorTool(), failing, polite, slow, structured]), { timeoutMs: 50, maxObservationChars: 20 });

  it('runs a tool and returns its observation', async () => {
    const out = await executor.execute({ id: 'c1', name: 'calculator', arguments: { expression: '6*7' } }, context);
    expect(out).toMatchObject({ callId: 'c1', name: 'calculator', observation: '42' });
    expect(out.error).toBeUndefined();
    expect((await executor.execute({ id: 'c2', name: 'structured', arguments: {} }, context)).observation).toBe('{"temperature":3}');
  });

  it('turns every failure into an error observation', async () => {
    const unknown = await executor.execute({ id: 'c', name: 'weather', arguments: {} }, context);
    expect(unknown.error?.code).toBe('unknown_tool');
    expect(unknown.observation).toBe('Error: unknown tool "weather"; available tools: calculator, flaky, polite, slow, structured');
    const invalid = await executor.execute({ id: 'c', name: 'calculator', arguments: { expr: '1' } }, context);
    expect(invalid.error?.code).toBe('invalid_arguments');
    expect(invalid.observation).toMatch(/^Error: invalid arguments for calculator: expected arguments matching the calculator schema/);
    expect(await executor.execute({ id: 'c', name: 'calculator', arguments: { expression: '1/0' } }, context)).toMatchObject({ error: { code: 'tool_error' }, observation: 'Error: division by zero at position 2' });
    expect(await executor.execute({ id: 'c', name: 'flaky', arguments: {} }, context)).toMatchObject({ error: { code: 'tool_error' }, observation: 'Error: flaky failed: backend down' });
    expect(await executor.execute({ id: 'c', name: 'polite', arguments: {} }, context)).toMatchObject({ observation: 'Error: no results for that query' });
    expect(await executor.execute({ id: 'c', name: 'slow', arguments: {} }, context)).toMatchObject({ error: { code: 'timeout' } });
  });

  it('cuts long observations', async () => {
    const long = new ToolExecutor(new ToolRegistry([{ name: 'long', execute: () => 'x'.repeat(30) }]), { maxObservationChars: 20 });
    expect((await long.execute({ id: 'c', name: 'long', arguments: {} }, context)).observation).toBe(`${'x'.repeat(20)}… [cut: 10 more characters]`);
  });

  it('lets hooks rewrite the call before and the outcome after', async () => {
    const seen: string[] = [];
    const hooks: ToolHook[] = [
      { beforeAction: (call) => ({ ...call, name: call.name === 'calc' ? 'calculator' : call.name }) },
      {
        beforeAction: (call, ctx) => {
          seen.push(`${ctx.sessionId}:${call.name}`);
        },
        afterAction: (outcome) => ({ ...outcome, observation: `result=${outcome.observation}` }),
      },
    ];
    const hooked = new ToolExecutor(new ToolRegistry([createCalculatorTool()]), { hooks });
    expect((await hooked.execute({ id: 'c', name: 'calc', arguments: { expression: '1+1' } }, context)).observation).toBe('result=2');
    expect(seen).toEqual(['chain-0:calculator']);
  });

  it('maps ReAct free-text input to a single-input tool', async () => {
    expect(mapSingleInput({ input: '2+2' }, createCalculatorTool().parameters)).toEqual({ expression: '2+2' });
    expect(mapSingleInput({ input: 'oslo' }, weather.function.parameters)).toEqual({ city: 'oslo' });
    expect(mapSingleInput({ input: 'x' }, { type: 'object', properties: { a: {}, b: {} } })).toEqual({ input: 'x' });
    expect((await executor.execute({ id: 'c', name: 'calculator', arguments: { input: '2+2' } }, context)).observation).toBe('4');
  });
});

describe('fixture tools', () => {
  const fixtures = [
    { tool: 'get_weather', response: 'unknown city' },
    { tool: 'get_weather', arguments: { city: 'Oslo' }, response: '3 C' },
    { tool: 'get_weather', arguments: { city: 'Oslo', unit: 'f' }, response: '37 F' },
  ];

  it('answers with the most specific matching fixture', async () => {
    const [tool] = createFixtureTools([weather], fixtures);
    expect(tool).toMatchObject({ name: 'get_weather', description: 'Current weather', parameters: weather.function.parameters });
    expect(await tool.execute({ city: 'Oslo' }, context)).toBe('3 C');
    expect(await tool.execute({ city: ' oslo ' }, context)).toBe('3 C');
    expect(await tool.execute({ city: 'Oslo', unit: 'f' }, context)).toBe('37 F');
    expect(await tool.execute({ city: 'Rome' }, context)).toBe('unknown city');
  });

  it('reports a call no fixture answers, and fixtures for undefined tools', async () => {
    const [tool] = createFixtureTools([weather], [fixtures[1]]);
    expect(() => tool.execute({ city: 'Rome' }, context)).toThrow('get_weather has no result for {"city":"Rome"}');
    const [fallback] = createFixtureTools([weather], [fixtures[1]], { noMatchResponse: 'no data' });
    expect(await fallback.execute({ city: 'Rome' }, context)).toBe('no data');
    expect(() => createFixtureTools([weather], [{ tool: 'get_time', response: '12:00' }])).toThrow('toolFixtures[0].tool: "get_time" is not one of the defined tools (get_weather)');
  });
});

describe('retrieval tool', () => {
  it('asks the search function for k passages and numbers them', async () => {
    const calls: Array<[string, number]> = [];
    const tool = createRetrievalTool({
      search: async (query, k) => {
        calls.push([query, k]);
        return [
          { id: 'doc1#0', text: 'Oslo is the capital of Norway.', score: 3.2 },
          { id: 'doc2#4', source: 'atlas.md', text: 'Bergen is on the west coast.' },
          { text: 'extra' },
        ].slice(0, k);
      },
    });
    expect(await tool.execute({ query: ' capital of Norway ', k: 2 }, context)).toBe('[1] (doc1#0) Oslo is the capital of Norway.\n[2] (doc2#4, atlas.md) Bergen is on the west coast.');
    await tool.execute({ query: 'x' }, context);
    expect(calls).toEqual([
      ['capital of Norway', 2],
      ['x', 3],
    ]);
  });

  it('validates k through the executor and says when nothing was found', async () => {
    const executor = new ToolExecutor(new ToolRegistry([createRetrievalTool({ search: () => [] })]));
    expect((await executor.execute({ id: 'c', name: 'search', arguments: { query: 'x', k: 50 } }, context)).error?.code).toBe('invalid_arguments');
    expect((await executor.execute({ id: 'c', name: 'search', arguments: { input: 'nothing' } }, context)).observation).toBe('No passages found for "nothing".');
  });
});
