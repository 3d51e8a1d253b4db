import fc from 'fast-check';
import type { ToolDefinition } from '../conversation/conversation.schema';
import { argumentsProblem } from '../conversation/tool-arguments-validator';
import { validateConversation } from '../conversation/validate-conversation';
import { checkReactSamples } from '../react/react-rules';
import { generateToolSamples } from './tool-use-samples';
import { sampleFromSchema } from './schema-sampler';
import { SeededRandom } from './seeded-random';

const tools: ToolDefinition[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the current weather for a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'], additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_flights',
      description: 'Search flights between two airports.',
      parameters: {
        type: 'object',
        properties: {
          origin: { type: 'string', minLength: 3, maxLength: 3 },
          destination: { type: 'string', minLength: 3, maxLength: 3 },
          date: { type: 'string', format: 'date' },
          passengers: { type: 'integer', minimum: 1, maximum: 9 },
          cabin: { anyOf: [{ type: 'string', enum: ['economy', 'business'] }, { type: 'null' }] },
        },
        required: ['origin', 'destination', 'date'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'create_ticket',
      description: 'Open a support ticket.',
      parameters: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          priority: { type: 'number', exclusiveMinimum: 0, maximum: 5, multipleOf: 0.5 },
          tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, uniqueItems: true },
          customer: { type: 'object', properties: { email: { type: 'string', format: 'email' }, vip: { type: 'boolean' } }, required: ['email'] },
        },
        required: ['title', 'priority', 'customer'],
      },
    },
  },
  { type: 'function', function: { name: 'ping', description: 'Check that the service is up.' } },
];

describe('synthetic tool-use samples', () => {
  const result = generateToolSamples(tools, { seed: 7, count: 200, noToolShare: 0.3, maxToolsPerSample: 3 });

  it('is deterministic by seed and changes with it', () => {
    expect(generateToolSamples(tools, { seed: 7, count: 200, noToolShare: 0.3, maxToolsPerSample: 3 })).toEqual(result);
    expect(generateToolSamples(tools, { seed: 8, count: 200, noToolShare: 0.3, maxToolsPerSample: 3 }).samples).not.toEqual(result.samples);
  });

  it('produces valid conversations whose arguments fit the schemas, and only calls presented tools', () => {
    expect(result.skippedTools).toEqual([]);
    expect(result.samples).toHaveLength(200);
    for (const { conversation } of result.samples) {
      expect(validateConversation(conversation)).toEqual([]);
      const presented = new Map(conversation.tools?.map((t) => [t.function.name, t]));
      for (const message of conversation.messages) {
        if (message.role !== 'assistant') continue;
        for (const call of message.tool_calls ?? []) {
          const tool = presented.get(call.function.name);
          expect(tool).toBeDefined();
          expect(argumentsProblem(tool as ToolDefinition, JSON.parse(call.function.arguments))).toBeUndefined();
        }
      }
    }
  });

  it('varies the presented tool subsets, mixes tool and no-tool samples, and uses every tool', () => {
    const subsets = new Set(result.samples.map((s) => (s.conversation.tools ?? []).map((t) => t.function.name).join(',')));
    expect(subsets.size).toBeGreaterThan(10);
    const noTool = result.samples.filter((s) => !s.usesTool).length / result.samples.length;
    expect(noTool).toBeGreaterThan(0.2);
    expect(noTool).toBeLessThan(0.4);
    expect(new Set(result.samples.flatMap((s) => s.calledTools))).toEqual(new Set(tools.map((t) => t.function.name)));
    expect(result.samples.some((s) => s.calledTools.length === 2)).toBe(true);
  });

  it('renders ReAct samples that follow the rules and list the presented tools', () => {
    const react = result.samples.flatMap((s) => s.react.map((sample) => ({ sample, location: { file: s.id, line: 1 } })));
    const report = checkReactSamples(react);
    expect(report.violations).toEqual([]);
    expect(report.balance.balanced).toBe(true);
    for (const s of result.samples) for (const name of (s.conversation.tools ?? []).map((t) => t.function.name)) expect(s.react[0].prompt).toContain(`> ${name}:`);
  });

  it('skips tools it cannot use and says why', () => {
    const bad = generateToolSamples([{ type: 'function', function: { name: 'bad name!' } }, { type: 'function', function: { name: 'never', parameters: { type: 'object', properties: { x: { type: 'string', pattern: '^[0-9]{40}$' } }, required: ['x'] } } }, tools[3]], { seed: 1, count: 5 });
    expect(bad.skippedTools.map((s) => s.name)).toEqual(['bad name!', 'never']);
    expect(bad.samples.length).toBe(5);
  });
});

describe('schema sampler', () => {
  it('draws values the schema accepts', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(...tools.slice(0, 3)), (seed, tool) => {
        const value = sampleFromSchema(tool.function.parameters ?? {}, new SeededRandom(seed));
        expect(argumentsProblem(tool, value)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
