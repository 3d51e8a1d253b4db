import type { DatasetRecord } from '@tuneforge/datasets';
import { buildRetrievalIndex, createSearchFunction } from '@tuneforge/retrieval-kit';
import { augmentWithRetrieval } from './augment-with-retrieval';

const location = { file: 'train.jsonl', line: 1 };

async function search() {
  const built = await buildRetrievalIndex(
    [
      { source: 'policy.md', bytes: Buffer.from('Returns are accepted within 30 days of delivery.\n\nExpress shipping takes two days.'), format: 'markdown' },
      { source: 'kb.jsonl', bytes: Buffer.from('{"text":"Gift cards never expire."}\n') },
    ],
    { chunking: { size: 8, overlap: 0 } },
  );
  return createSearchFunction(built.index!);
}

describe('augmentWithRetrieval', () => {
  it("puts the best passages for the user's turns into the system message, or a new one, and leaves unmatched samples alone", async () => {
    const records: DatasetRecord[] = [
      {
        kind: 'conversation',
        format: 'openai_chat',
        location,
        conversation: { messages: [{ role: 'system', content: 'You are a shop assistant.' }, { role: 'user', content: 'How many days do returns take?' }, { role: 'assistant', content: '30 days.' }] },
      },
      { kind: 'conversation', format: 'openai_chat', location, conversation: { messages: [{ role: 'user', content: 'Do gift cards expire?' }, { role: 'assistant', content: 'No.' }] } },
      { kind: 'conversation', format: 'openai_chat', location, conversation: { messages: [{ role: 'user', content: 'Hello there' }, { role: 'assistant', content: 'Hi!' }] } },
    ];
    const { records: out, augmented } = await augmentWithRetrieval(records, { search: await search(), k: 1 });
    expect(augmented).toBe(2);
    const [first, second, third] = out.map((r) => (r.kind === 'conversation' ? r.conversation.messages : []));
    expect(first[0]).toEqual({
      role: 'system',
      content: 'You are a shop assistant.\n\nUse the following reference passages when they are relevant:\n[1] (policy.md) Returns are accepted within 30 days of delivery.',
    });
    expect(first.slice(1)).toEqual(records[0].kind === 'conversation' ? records[0].conversation.messages.slice(1) : []);
    expect(second[0]).toEqual({ role: 'system', content: 'Use the following reference passages when they are relevant:\n[1] (kb.jsonl:1) Gift cards never expire.' });
    expect(second).toHaveLength(3);
    expect(third).toEqual(records[2].kind === 'conversation' ? records[2].conversation.messages : []);
  });

  it('queries with user turns only and prepends the passages to a prompt/completion prompt', async () => {
    const records: DatasetRecord[] = [
      { kind: 'prompt_completion', format: 'prompt_completion', location, sample: { prompt: 'Question: how fast is express shipping?\n', completion: 'Two days.' } },
      // The assistant mentions gift cards; the user does not: nothing is retrieved.
      { kind: 'conversation', format: 'openai_chat', location, conversation: { messages: [{ role: 'user', content: 'Anything else?' }, { role: 'assistant', content: 'Gift cards never expire.' }] } },
    ];
    const { records: out, augmented } = await augmentWithRetrieval(records, { search: await search(), k: 2 });
    expect(augmented).toBe(1);
    expect(out[0].kind === 'prompt_completion' && out[0].sample.prompt).toBe(
      'Use the following reference passages when they are relevant:\n[1] (policy.md) Express shipping takes two days.\n\nQuestion: how fast is express shipping?\n',
    );
    expect(out[1]).toBe(records[1]);
  });
});
