import { ScriptedModel } from '@tuneforge/agents';
import type { FunctionTool } from '@tuneforge/contracts';
import { aggregateAgentScores } from './agent-metrics';
import { expectedReactStep, type ExpectedEpisode } from './expected-episode';
import { runEpisodes, type AgentRunSettings } from './run-episodes';

const weather: FunctionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const calculator: FunctionTool = {
  type: 'function',
  function: { name: 'calculator', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } },
};

const parisEpisode: ExpectedEpisode = {
  task: [{ role: 'user', content: 'Weather in Paris?' }],
  steps: [
    { action: { kind: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } }, observation: 'Paris: 10 C' },
    { action: { kind: 'final_answer', answer: 'It is 10 C in Paris.' } },
  ],
};
const mathEpisode: ExpectedEpisode = {
  task: [{ role: 'user', content: 'What is 12*7?' }],
  steps: [{ action: { kind: 'tool_call', name: 'calculator', arguments: { expression: '12*7' } } }, { action: { kind: 'final_answer', answer: '84' } }],
};

const settings = (format: AgentRunSettings['format'], overrides: Partial<AgentRunSettings> = {}): AgentRunSettings => ({
  format,
  jobTools: [weather, calculator],
  fixtures: [{ tool: 'get_weather', response: 'job fixture: 20 C' }],
  maxTurns: 3,
  maxNewTokens: 64,
  temperature: 0,
  ...overrides,
});

function lastToolMessage(model: ScriptedModel, call: number): string | undefined {
  const input = model.calls[call].input;
  if (!('messages' in input)) return undefined;
  return [...input.messages].reverse().find((m) => m.role === 'tool')?.content;
}

describe('runEpisodes', () => {
  it('answers the reference call with the reference observation, computes with the calculator, and scores each step', async () => {
    const model = new ScriptedModel([
      ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "paris"}}\n</tool_call>', 'It is 10 C in Paris.'],
      ['<tool_call>\n{"name": "calculator", "arguments": {"expression": "12*7"}}\n</tool_call>', 'The answer is 84.'],
    ]);
    let call = 0;
    const chained = { generate: (input: Parameters<ScriptedModel['generate']>[0], options: Parameters<ScriptedModel['generate']>[1]) => model.generate(input, { ...options, chain: call++ < 2 ? 0 : 1 }) };
    const records = await runEpisodes(chained, [
      { example: 0, reference: parisEpisode, exampleTools: [] },
      { example: 3, reference: mathEpisode, exampleTools: [] },
    ], settings('qwen'));

    expect(lastToolMessage(model, 1)).toBe('Paris: 10 C');
    expect(records[0]).toMatchObject({ example: 0, end: 'final_answer', finalAnswer: 'It is 10 C in Paris.' });
    expect(records[0].turns[0].calls).toEqual([{ name: 'get_weather', arguments: { city: 'paris' }, observation: 'Paris: 10 C' }]);
    expect(records[0].score).toMatchObject({ finalAnswerCorrect: true, generations: 2, validGenerations: 2, toolGenerations: 1, stoppedAtObservation: 1 });
    expect(records[0].score.steps.map((s) => [s.expectedLabel, s.predictedLabel, s.toolCorrect, s.argumentsCorrect])).toEqual([
      ['get_weather', 'get_weather', true, true],
      ['(none)', '(none)', true, true],
    ]);

    expect(records[1].turns[0].calls[0].observation).toBe('84');
    expect(records[1].score.finalAnswerCorrect).toBe(false);
    expect(records[1].score.expectations).toEqual([{ tool: 'calculator', arguments: { expression: '12*7' }, passed: true }]);

    const aggregate = aggregateAgentScores(records.map((r) => r.score));
    expect(aggregate.metrics).toEqual({ format_validity: 1, stopped_at_observation: 1, tool_selection_accuracy: 1, argument_accuracy: 1, final_answer_accuracy: 0.5 });
  });

  it('runs episodes side by side up to the concurrency, with the same records in the same order as one by one', async () => {
    // Each episode's outputs by its task and turn, so the script does not depend on the order the calls come in.
    const outputs: Record<string, string[]> = {
      'Weather in Paris?': ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', 'It is 10 C in Paris.'],
      'What is 12*7?': ['<tool_call>\n{"name": "calculator", "arguments": {"expression": "12*7"}}\n</tool_call>', '84'],
    };
    const scripted = () =>
      new ScriptedModel((input, options) => {
        const task = 'messages' in input ? (input.messages.find((m) => m.role === 'user')?.content ?? '') : '';
        return outputs[task][(options.turn ?? 1) - 1];
      });
    const episodes = [
      { example: 0, reference: parisEpisode, exampleTools: [] },
      { example: 1, reference: mathEpisode, exampleTools: [] },
      { example: 2, reference: parisEpisode, exampleTools: [] },
    ];
    let running = 0;
    let most = 0;
    const side = scripted();
    const watched = {
      generate: async (...args: Parameters<ScriptedModel['generate']>) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return side.generate(...args);
      },
    };
    const together = await runEpisodes(watched, episodes, settings('qwen', { concurrency: 2 }));
    const alone = await runEpisodes(scripted(), episodes, settings('qwen'));
    expect(together).toEqual(alone);
    expect(together.map((record) => [record.example, record.finalAnswer])).toEqual([[0, 'It is 10 C in Paris.'], [1, '84'], [2, 'It is 10 C in Paris.']]);
    expect(most).toBe(2);
  });

  it('runs ReAct prompts with the job fixture for calls that are not the reference one, stopping at the observation', async () => {
    const model = new ScriptedModel([
      'Thought: Do I need to use a tool? Yes\nAction: get_weather\nAction Input: {"city": "Lyon"}\nObservation: made up',
      'Thought: Do I need to use a tool? No\nFinal Answer: It is 20 C in Lyon.',
    ]);
    const [record] = await runEpisodes(model, [{ example: 0, reference: parisEpisode, exampleTools: [] }], settings('react'));
    expect('prompt' in model.calls[0].input).toBe(true);
    expect(model.calls[0].options.stop).toContain('\nObservation:');
    expect(record.turns[0]).toMatchObject({ stop: '\nObservation:', calls: [{ name: 'get_weather', arguments: { city: 'Lyon' }, observation: 'job fixture: 20 C' }] });
    expect(record.score.steps.map((s) => [s.predictedLabel, s.toolCorrect, s.argumentsCorrect])).toEqual([
      ['get_weather', true, false],
      ['(none)', true, true],
    ]);
    expect(record.score).toMatchObject({ stoppedAtObservation: 1, finalAnswerCorrect: false, expectations: [{ passed: false }] });
  });

  it('counts unreadable output and runs that end early against the remaining steps', async () => {
    const model = new ScriptedModel(['<tool_call>{"name": "get_weather"', 'still broken <tool_call>…', 'no tools today…']);
    const [record] = await runEpisodes(model, [{ example: 0, reference: parisEpisode, exampleTools: [] }], settings('qwen', { maxTurns: 2 }));
    expect(record.end).toBe('max_turns');
    expect(record.score.steps.map((s) => s.predictedLabel)).toEqual(['(invalid)', '(invalid)']);
    const aggregate = aggregateAgentScores([record.score]);
    expect(aggregate.metrics).toEqual({ format_validity: 0, tool_selection_accuracy: 0, argument_accuracy: 0, final_answer_accuracy: 0 });
    expect(aggregate.confusion).toEqual({ get_weather: { '(invalid)': 1 }, '(none)': { '(invalid)': 1 } });
    expect(aggregate.perTool.get_weather).toEqual({ expected: 1, predicted: 0, selection_accuracy: 0, argument_accuracy: 0 });
  });

  it('asks a ReAct prompt/completion sample for its one next step and compares it with the completion', async () => {
    const completion = '\nThought: Do I need to use a tool? Yes\nAction: calculator\nAction Input: {"expression": "12*7"}\nObservation:';
    const reference = expectedReactStep(completion);
    expect(reference?.steps).toEqual([{ action: { kind: 'tool_call', name: 'calculator', arguments: { expression: '12*7' } } }]);
    const prompt = 'New Input: What is 12*7?';
    const model = new ScriptedModel(['\nThought: Do I need to use a tool? Yes\nAction: calculator\nAction Input: {"expression": "12 * 7"}\nObservation: 84']);
    const [record] = await runEpisodes(model, [{ example: 5, reference: reference as ExpectedEpisode, exampleTools: [], reactPrompt: prompt }], settings('react'));
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0].input).toEqual({ prompt });
    expect(record).toMatchObject({ example: 5, end: 'single_step', turns: [{ stop: '\nObservation:', action: 'tool_calls' }] });
    expect(record.score).toMatchObject({ stoppedAtObservation: 1, toolGenerations: 1, steps: [{ toolCorrect: true, argumentsCorrect: false }] });
    expect(record.score.finalAnswerCorrect).toBeUndefined();
  });

  it('falls back to the real calculator and to search over the job\'s index for calls no fixture answers', async () => {
    const search: FunctionTool = { type: 'function', function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } };
    const queries: string[] = [];
    const model = new ScriptedModel([
      '<tool_call>\n{"name": "calculator", "arguments": {"expression": "2+3"}}\n</tool_call>',
      '<tool_call>\n{"name": "search", "arguments": {"query": "refund policy"}}\n</tool_call>',
      'Refunds within 30 days.',
    ]);
    const [record] = await runEpisodes(
      model,
      [{ example: 0, reference: mathEpisode, exampleTools: [] }],
      settings('qwen', {
        jobTools: [calculator, search],
        fixtures: [{ tool: 'calculator', arguments: { expression: '1+1' }, response: 'fixture: 2' }],
        search: (query) => {
          queries.push(query);
          return [{ text: 'Refunds are accepted within 30 days.', id: 'policy.md' }];
        },
      }),
    );
    expect(record.turns.map((turn) => turn.calls[0]?.observation)).toEqual(['5', '[1] (policy.md) Refunds are accepted within 30 days.', undefined]);
    expect(queries).toEqual(['refund policy']);
  });
});
