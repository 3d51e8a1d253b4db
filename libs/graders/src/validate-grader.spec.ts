import { validateGrader } from './index';

const stringCheck = { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' };
const refusal = (grader: unknown) => {
  const result = validateGrader(grader);
  if (result.ok) throw new Error('expected a refusal');
  return result;
};

describe('validateGrader', () => {
  it('names the field a string_check gets wrong', () => {
    expect(refusal({ ...stringCheck, operation: 'contains' }).param).toBe('operation');
    expect(refusal({ ...stringCheck, reference: undefined }).param).toBe('reference');
    expect(refusal({ ...stringCheck, pass_threshold: 1 }).param).toBe('pass_threshold');
  });

  it('an unknown type is refused at type', () => {
    expect(refusal({ ...stringCheck, type: 'embedding_check' }).param).toBe('type');
  });

  it('a template with another namespace is refused at its field', () => {
    const result = refusal({ ...stringCheck, reference: '{{reference.answer}}' });
    expect(result.param).toBe('reference');
    expect(result.message).toContain('item and sample');
  });

  it('names the path inside a multi grader, and checks its formula', () => {
    const multi = { type: 'multi', name: 'm', graders: { a: stringCheck, b: { ...stringCheck, operation: 'ilike' } }, calculate_output: '0.5 * a + 0.5 * b' };
    expect(validateGrader(multi).ok).toBe(true);
    expect(refusal({ ...multi, graders: { ...multi.graders, a: { ...stringCheck, reference: 7 } } }).param).toBe('graders.a.reference');
    const unknown = refusal({ ...multi, calculate_output: 'a + c' });
    expect(unknown.param).toBe('calculate_output');
    expect(unknown.message).toContain("'c' is not one of the graders (a, b)");
    expect(refusal({ ...multi, calculate_output: 'a +' }).param).toBe('calculate_output');
    expect(refusal({ ...multi, calculate_output: 'eval(a)' }).message).toContain("'eval' is not a function");
    expect(refusal({ ...multi, graders: { 'not-a-name': stringCheck } }).param).toBe('graders.not-a-name');
  });

  it('refuses meteor with the reason, accepts the metrics Tuneforge computes', () => {
    const similarity = { type: 'text_similarity', name: 's', input: '{{sample.output_text}}', reference: '{{item.answer}}' };
    const meteor = refusal({ ...similarity, evaluation_metric: 'meteor' });
    expect(meteor.param).toBe('evaluation_metric');
    expect(meteor.message).toContain('WordNet');
    for (const metric of ['fuzzy_match', 'bleu', 'gleu', 'cosine', 'rouge_1', 'rouge_3', 'rouge_5', 'rouge_l']) {
      expect(validateGrader({ ...similarity, evaluation_metric: metric }).ok).toBe(true);
    }
  });

  it('a score_model message with an image is refused at its content', () => {
    const grader = { type: 'score_model', name: 'judge', model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }] };
    const result = refusal(grader);
    expect(result.param).toMatch(/^input\.0\.content/);
    expect(refusal({ ...grader, input: [{ role: 'user', content: 'ok' }], range: [1, 0] }).param).toBe('range');
  });

  it('a python grader must define grade()', () => {
    expect(refusal({ type: 'python', name: 'p', source: 'def score(sample, item):\n    return 1' }).param).toBe('source');
  });

  it("Tuneforge's graders: tool_call, task_success and logit", () => {
    expect(validateGrader({ type: 'tool_call', name: 't', reference: '{{item.expected_call}}' }).ok).toBe(true);
    const task = { type: 'task_success', name: 'done', expectations: [{ type: 'state', path: 'orders.0.status', op: 'eq', value: 'shipped' }, { type: 'tool_called', tool: 'ship' }] };
    expect(validateGrader(task).ok).toBe(true);
    expect(refusal({ ...task, expectations: [{ type: 'state', path: 'x', op: 'eq' }] }).param).toBe('expectations.0.value');
    expect(refusal({ ...task, expectations: [{ type: 'state', path: 'x', op: 'approx', value: 1 }] }).param).toBe('expectations.0.op');
    expect(validateGrader({ type: 'logit', name: 'l', model: 'm', input: [{ role: 'user', content: 'Did it work? {{sample.output_text}}' }] }).ok).toBe(true);
  });
});
