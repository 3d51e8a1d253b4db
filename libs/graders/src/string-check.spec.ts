import { runGrader, validateGrader, type Grader } from './index';

const check = (operation: 'eq' | 'ne' | 'like' | 'ilike', input = '{{sample.output_text}}', reference = '{{item.answer}}'): Grader => ({
  type: 'string_check',
  name: 'answer',
  input,
  reference,
  operation,
});
const sample = (output_text: string) => ({ output_text });

describe('string_check', () => {
  it('eq and ne compare exactly, case and spaces included', async () => {
    const item = { answer: 'Paris' };
    expect((await runGrader(check('eq'), { sample: sample('Paris'), item })).score).toBe(1);
    expect((await runGrader(check('eq'), { sample: sample('paris'), item })).score).toBe(0);
    expect((await runGrader(check('eq'), { sample: sample('Paris '), item })).score).toBe(0);
    expect((await runGrader(check('ne'), { sample: sample('paris'), item })).score).toBe(1);
    expect((await runGrader(check('ne'), { sample: sample('Paris'), item })).score).toBe(0);
  });

  it('like is a case-sensitive "contains", ilike ignores case', async () => {
    const item = { answer: 'Paris' };
    expect((await runGrader(check('like'), { sample: sample('The capital is Paris.'), item })).score).toBe(1);
    expect((await runGrader(check('like'), { sample: sample('the capital is PARIS.'), item })).score).toBe(0);
    expect((await runGrader(check('ilike'), { sample: sample('the capital is PARIS.'), item })).score).toBe(1);
    expect((await runGrader(check('ilike'), { sample: sample('the capital is Lyon.'), item })).score).toBe(0);
  });

  it('reads nested item fields and the sample JSON with spaces inside the braces', async () => {
    const grader = check('eq', '{{ sample.output_json.city }}', '{{ item.expected.cities[1] }}');
    const result = await runGrader(grader, { sample: sample('{"city": "Rome"}'), item: { expected: { cities: ['Paris', 'Rome'] } } });
    expect(result).toEqual({ score: 1 });
  });

  it('a variable the line lacks scores 0 with an error naming it, and does not throw', async () => {
    const result = await runGrader(check('eq'), { sample: sample('Paris'), item: { reference: 'Paris' } });
    expect(result.score).toBe(0);
    expect(result.error).toContain('item.answer');
  });

  it('validates and echoes the grader', () => {
    const grader = check('ilike');
    expect(validateGrader(grader)).toEqual({ ok: true, grader });
  });
});
