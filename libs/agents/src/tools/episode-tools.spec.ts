import { episodeTools } from './episode-tools';

const ctx = { callId: 'c', sessionId: 's', chain: 0, turn: 1 };

describe('episodeTools', () => {
  const weather = { type: 'function', function: { name: 'weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
  const stock = { type: 'function', function: { name: 'stock', parameters: { type: 'object', properties: {} } } };
  const item = { tools: [weather, stock], tool_fixtures: [{ tool: 'stock', arguments: {}, response: '12' }] };

  it("offers the calculator, the line's tools from its fixtures, and over HTTP only the operator's allowed tools", async () => {
    const tools = episodeTools({ http: { tools: [{ name: 'weather', url: 'http://api.example/weather' }], allowedHosts: ['api.example'] } })(item)();
    expect(tools.map((t) => t.name)).toEqual(['calculator', 'stock', 'weather']);
    // The line's own description reaches the model; the call goes to the operator's URL (http-tool.spec).
    expect(tools[2].description).toBe('Weather in a city');
    expect(await tools[1].execute({}, ctx)).toBe('12');
    // Without the operator's entry, weather is one of the line's fixture tools (no network).
    expect(episodeTools()(item)().map((t) => t.name)).toEqual(['calculator', 'weather', 'stock']);
    expect(() => episodeTools({ http: { tools: [{ name: 'weather', url: 'http://evil.example/w' }], allowedHosts: ['api.example'] } })).toThrow(/not on the allowed hosts/);
  });

  it("searches the job's documents when it has a retrieval index, unless the line brings its own search tool", async () => {
    const queries: string[] = [];
    const search = (query: string, k: number) => {
      queries.push(`${query}/${k}`);
      return [{ id: 'doc-1', text: 'The office opens at 9.' }];
    };
    const tools = episodeTools({ search })({})();
    expect(tools.map((t) => t.name)).toEqual(['calculator', 'search']);
    expect(await tools[1].execute({ query: 'opening hours' }, ctx)).toContain('The office opens at 9.');
    expect(queries).toEqual(['opening hours/3']);
    const own = { tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'object', properties: {} } } }], tool_fixtures: [{ tool: 'search', response: 'fixture answer' }] };
    const lineTools = episodeTools({ search })(own)();
    expect(lineTools.map((t) => t.name)).toEqual(['calculator', 'search']);
    expect(await lineTools[1].execute({}, ctx)).toBe('fixture answer');
  });
});
