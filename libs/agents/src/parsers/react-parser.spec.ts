import { ReactParser } from './react-parser';

const parser = new ReactParser();

describe('ReactParser', () => {
  it('reads a tool step as libs/datasets reads it: thought, tool name, JSON or free-text input', () => {
    expect(parser.parse('\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: {"expression": "2+3"}')).toEqual({
      kind: 'tool_calls',
      calls: [{ name: 'calculator', arguments: { expression: '2+3' } }],
      content: null,
      thought: 'Do I need to use a tool? Yes.',
      warnings: [],
    });
    const free = parser.parse('\nThought: Do I need to use a tool? Yes.\nAction: search\nAction Input: capital of Norway');
    expect(free).toMatchObject({ kind: 'tool_calls', calls: [{ name: 'search', arguments: { input: 'capital of Norway' } }] });
  });

  it('reads a final answer and keeps training-rule deviations as warnings', () => {
    expect(parser.parse('\nThought: Do I need to use a tool? No.\nFinal Answer: Oslo.')).toEqual({
      kind: 'final_answer',
      answer: 'Oslo.',
      thought: 'Do I need to use a tool? No.',
      warnings: [],
    });
    const loose = parser.parse('Thought: I know this.\nFinal Answer: Oslo.');
    expect(loose).toMatchObject({ kind: 'final_answer', answer: 'Oslo.' });
    expect(loose.kind === 'final_answer' && loose.warnings.join()).toContain('no_tool_answer');
  });

  it('refuses a predicted observation and says where it starts', () => {
    const text = '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: 2+2\nObservation: 4';
    const out = parser.parse(text);
    expect(out).toMatchObject({ kind: 'error', error: { format: 'react', code: 'predicted_observation', line: 5, column: 1 } });
  });

  it.each([
    ['Sure, the answer is 4.', 'no_decision', 1],
    ['\nThought: Do I need to use a tool? Yes.\nAction: calculator', 'incomplete_step', 3],
    ['\nThought: x\nAction Input: 2+2', 'step_order', 3],
    ['\nThought: a\nAction: calculator\nAction Input: 1\nThought: b\nFinal Answer: 1', 'step_order', 5],
    ['\nThought: a\nNew Input: what now?', 'step_order', 3],
  ])('reports %j as %s on line %i without throwing', (text, code, line) => {
    const out = parser.parse(text);
    expect(out.kind).toBe('error');
    if (out.kind === 'error') {
      expect(out.error.code).toBe(code);
      expect(out.error.line).toBe(line);
      expect(out.error.expected.length).toBeGreaterThan(0);
    }
  });

  it('asks for the ReAct stop sequence', () => {
    expect(parser.stop).toEqual(['\nObservation:']);
    expect(parser.observationStop).toBe('\nObservation:');
    expect(parser.inputMode).toBe('prompt');
  });
});
