import { runGrader, type Grader } from './index';

describe('tool_call', () => {
  const grader: Grader = { type: 'tool_call', name: 'call', reference: '{{item.expected_call}}' };
  const item = { expected_call: { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } } };
  const sample = (name: string, args: unknown) => ({ output_text: '', output_tools: [{ name, arguments: JSON.stringify(args) }] });

  it("scores the evaluator's rule: right tool and arguments 1, right tool only 0.5, wrong tool 0", async () => {
    expect(await runGrader(grader, { sample: sample('get_weather', { city: ' paris ', unit: 'celsius', days: 1 }), item })).toEqual({ score: 1, subScores: { tool: 1, arguments: 1 } });
    expect((await runGrader(grader, { sample: sample('get_weather', { city: 'Lyon', unit: 'celsius' }), item })).score).toBe(0.5);
    expect((await runGrader(grader, { sample: sample('get_weather', { city: 'Paris' }), item })).score).toBe(0.5);
    expect((await runGrader(grader, { sample: sample('search', { city: 'Paris' }), item })).score).toBe(0);
    expect((await runGrader(grader, { sample: { output_text: 'It is sunny.' }, item })).score).toBe(0);
  });

  it('takes the reference as JSON text or a list of OpenAI-shaped calls, compared position by position', async () => {
    const calls = [
      { type: 'function', function: { name: 'search', arguments: '{"q": "weather"}' } },
      { type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
    ];
    const listItem = { expected_call: JSON.stringify(calls) };
    const both = { output_text: '', output_tools: [{ name: 'search', arguments: '{"q":"weather"}' }, { name: 'get_weather', arguments: '{"city":"Rome"}' }] };
    expect(await runGrader(grader, { sample: both, item: listItem })).toEqual({ score: 0.75, subScores: { tool: 1, arguments: 0.5 } });
  });

  it('a reference that is not a call scores 0 with an error', async () => {
    const result = await runGrader(grader, { sample: sample('x', {}), item: { expected_call: 'get_weather(Paris)' } });
    expect(result.score).toBe(0);
    expect(result.error).toContain('not JSON');
  });
});

describe('task_success', () => {
  const environment = { orders: [{ id: 'A1', status: 'shipped', total: 30 }], log: 'refund issued for A1', tags: ['vip'] };
  const trajectory = [
    { role: 'user', content: 'Ship order A1' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'ship_order', arguments: '{"order_id": "A1"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    { role: 'assistant', content: 'Done.' },
  ];
  const sample = { output_text: 'Done.', trajectory, environment };

  it('checks expectations on the final state and on the calls made, all or nothing by default', async () => {
    const grader: Grader = {
      type: 'task_success',
      name: 'shipped',
      expectations: [
        { type: 'state', path: 'orders.0.status', op: 'eq', value: '{{item.status}}' },
        { type: 'state', path: 'orders.0.total', op: 'gte', value: 25 },
        { type: 'state', path: 'log', op: 'matches', value: '^refund issued' },
        { type: 'state', path: 'tags', op: 'contains', value: 'vip' },
        { type: 'state', path: 'orders.1', op: 'absent' },
        { type: 'tool_called', tool: 'ship_order', arguments: { order_id: 'a1' } },
      ],
    };
    expect(await runGrader(grader, { sample, item: { status: 'shipped' } })).toMatchObject({ score: 1 });
    const failed = await runGrader(grader, { sample, item: { status: 'cancelled' } });
    expect(failed.score).toBe(0);
    expect(failed.subScores?.['expectations.0']).toBe(0);
    expect(failed.subScores?.['expectations.5']).toBe(1);
  });

  it('mean scores the fraction that holds', async () => {
    const grader: Grader = {
      type: 'task_success',
      name: 'partial',
      aggregate: 'mean',
      expectations: [
        { type: 'state', path: 'orders.0.status', op: 'eq', value: 'shipped' },
        { type: 'tool_called', tool: 'refund_order' },
        { type: 'state', path: 'orders.0.total', op: 'lt', value: 10 },
        { type: 'state', path: 'orders.0.id', op: 'exists' },
      ],
    };
    expect((await runGrader(grader, { sample, item: {} })).score).toBe(0.5);
  });

  it('a state expectation without an environment in the sample scores 0 with an error', async () => {
    const grader: Grader = { type: 'task_success', name: 's', expectations: [{ type: 'state', path: 'x', op: 'exists' }] };
    expect((await runGrader(grader, { sample: { output_text: '' }, item: {} })).error).toContain('sample.environment');
  });
});

describe('multi', () => {
  it('combines sub-grader scores with the formula and reports each', async () => {
    const grader: Grader = {
      type: 'multi',
      name: 'combined',
      graders: {
        exact: { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' },
        loose: { type: 'string_check', name: 'loose', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'ilike' },
      },
      calculate_output: '0.25 * exact + 0.75 * loose',
    };
    expect(await runGrader(grader, { sample: { output_text: 'PARIS!' }, item: { answer: 'Paris' } })).toEqual({ score: 0.75, subScores: { exact: 0, loose: 1 } });
    const missing = await runGrader(grader, { sample: { output_text: 'Paris' }, item: {} });
    expect(missing).toMatchObject({ score: 0, subScores: { exact: 0, loose: 0 } });
    expect(missing.error).toContain('graders.exact: template variable item.answer');
  });

  it('a formula that divides by zero scores 0 with an error', async () => {
    const grader: Grader = {
      type: 'multi',
      name: 'ratio',
      graders: { a: { type: 'string_check', name: 'a', input: 'x', reference: 'y', operation: 'eq' } },
      calculate_output: '1 / a',
    };
    const result = await runGrader(grader, { sample: { output_text: '' }, item: {} });
    expect(result.score).toBe(0);
    expect(result.error).toContain('calculate_output gave Infinity');
  });
});
