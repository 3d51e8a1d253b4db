import { join } from 'node:path';
import { collectDataset } from '../read-dataset';
import { withAgentTokens } from '../react/agent-tokens';
import { ChatTemplateMismatchError, tokenizeConversation } from './loss-mask';
import { createModelTokenizer, loadModelTokenizer } from './model-tokenizer';
import { tokenizeRecords } from './tokenize-records';
import { readFileSync } from 'node:fs';

const fixtures = join(__dirname, '../formats/fixtures');
const qwen = join(__dirname, 'fixtures/qwen2-style');

describe('tokenizing records', () => {
  it('tokenizes every conversation format and prompt/completion samples, reporting truncation', async () => {
    const tokenizer = await loadModelTokenizer(qwen);
    const records = [];
    for (const file of ['openai-chat.jsonl', 'sharegpt.json', 'alpaca.jsonl', 'react-transcripts.jsonl', 'lagent-memory.jsonl', 'agentfly-trajectories.jsonl', 'prompt-completion.jsonl', 'openai-preference.jsonl']) {
      records.push(...(await collectDataset(join(fixtures, file))).records);
    }
    const result = tokenizeRecords(tokenizer, records, { maxLength: 120 });
    expect(result.errors).toEqual([]);
    expect(result.skippedPreferencePairs).toBe(2);
    expect(result.tokenLengths).toHaveLength(records.length - 2);
    expect(result.truncation.truncated).toBeGreaterThan(0);
    for (const sample of result.samples) expect(sample.input_ids.length).toBeLessThanOrEqual(120);
  });

  it('reports a conversation the template cannot render consistently, with its line', async () => {
    const base = await loadModelTokenizer(qwen);
    // A template that numbers turns from the end re-renders earlier turns once a later one exists.
    const unstable = createModelTokenizer(JSON.parse(readFileSync(join(qwen, 'tokenizer.json'), 'utf8')), {
      ...base.config,
      chat_template: '{% for m in messages %}[{{ messages|length - loop.index0 }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[next]{% endif %}',
    });
    const { records } = await collectDataset(join(fixtures, 'alpaca.jsonl'));
    expect(() => tokenizeConversation(unstable, (records[0] as Extract<(typeof records)[0], { kind: 'conversation' }>).conversation)).toThrow(ChatTemplateMismatchError);
    const result = tokenizeRecords(unstable, records, { maxLength: 100 });
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([[1, 'invalid_record'], [2, 'invalid_record']]);
  });

  it('agent tokens make each ReAct marker one trained token in completion mode', async () => {
    const base = await loadModelTokenizer(qwen);
    const { tokenizer: json, added } = withAgentTokens(JSON.parse(readFileSync(join(qwen, 'tokenizer.json'), 'utf8')));
    const tokenizer = createModelTokenizer(json, base.config);
    const { records } = await collectDataset(join(fixtures, 'prompt-completion.jsonl'));
    const { samples } = tokenizeRecords(tokenizer, records, { maxLength: 512 });
    const observation = added.find((a) => a.content === '\nObservation')?.id;
    expect(samples[1].labels).toContain(observation);
  });
});
