import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Conversation, Message } from '../conversation/conversation.schema';
import { collectDataset } from '../read-dataset';
import { parseReactTranscript, conversationToReactTranscript } from '../react/react-transcript';
import { writeOpenAIJsonl } from './openai-jsonl-writer';

jest.setTimeout(60_000);

const text = fc.string({ maxLength: 20 });
// Text that cannot be mistaken for a ReAct step marker; ReAct trims the whitespace around step values.
const plainText = fc.stringMatching(/^[a-z0-9,.?]([a-z0-9 ,.?]{0,18}[a-z0-9,.?])?$/);
const args = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean()), { maxKeys: 3 });

/** Valid conversations: user turns, each answered directly or by tool calls whose results follow. */
function conversationArb(content: fc.Arbitrary<string>): fc.Arbitrary<Conversation> {
  const turn = fc.record({
    user: content,
    calls: fc.array(fc.record({ name: fc.constantFrom('get_weather', 'search', 'calc'), args, result: content }), { maxLength: 2 }),
    answer: content,
    weight: fc.constantFrom(undefined, 0, 1),
  });
  return fc.record({ system: fc.option(content, { nil: undefined }), turns: fc.array(turn, { minLength: 1, maxLength: 3 }) }).map(({ system, turns }) => {
    const messages: Message[] = system !== undefined ? [{ role: 'system', content: system }] : [];
    let ids = 0;
    turns.forEach((t, i) => {
      messages.push({ role: 'user', content: t.user });
      if (t.calls.length) {
        const calls = t.calls.map((c) => ({ id: `call_${++ids}`, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.args) } }));
        messages.push({ role: 'assistant', content: null, tool_calls: calls });
        calls.forEach((c, k) => messages.push({ role: 'tool', tool_call_id: c.id, content: t.calls[k].result }));
      }
      // The last answer is always trained so every conversation has something to learn.
      const weight = i === turns.length - 1 ? 1 : t.weight;
      messages.push(weight === undefined ? { role: 'assistant', content: t.answer } : { role: 'assistant', content: t.answer, weight });
    });
    return { messages };
  });
}

describe('writers round-trip any valid conversation', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'round-trip-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('through OpenAI chat JSONL', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(conversationArb(text), { minLength: 1, maxLength: 4 }), async (conversations) => {
        const path = join(dir, `chat-${n++}.jsonl`);
        await writeOpenAIJsonl(path, conversations.map((conversation) => ({ kind: 'conversation' as const, conversation })));
        const { records, errors } = await collectDataset(path);
        expect(errors).toEqual([]);
        expect(records.map((r) => (r.kind === 'conversation' ? r.conversation : undefined))).toEqual(conversations);
      }),
      { numRuns: 100 },
    );
  });

  it('through a ReAct transcript, keeping every turn, call, argument and result', () => {
    fc.assert(
      fc.property(conversationArb(plainText), (conversation) => {
        const parsed = parseReactTranscript(conversationToReactTranscript(conversation));
        expect(parsed.issues).toEqual([]);
        const shape = (messages: Message[]) =>
          messages.map((m) => (m.role === 'assistant' ? { role: m.role, content: m.content, calls: (m.tool_calls ?? []).map((c) => [c.function.name, JSON.parse(c.function.arguments)]) } : { role: m.role, content: m.content }));
        // ReAct runs one action per step, so parallel calls come back as consecutive single calls.
        const sequential = conversation.messages.flatMap((m): Message[] => (m.role === 'assistant' && m.tool_calls ? m.tool_calls.map((c) => ({ role: 'assistant', content: null, tool_calls: [c] })) : [m]));
        const reordered: Message[] = [];
        const pendingResults = new Map(conversation.messages.flatMap((m) => (m.role === 'tool' ? [[m.tool_call_id, m] as const] : [])));
        for (const m of sequential) {
          if (m.role === 'tool') continue;
          reordered.push(m);
          if (m.role === 'assistant' && m.tool_calls) reordered.push(pendingResults.get(m.tool_calls[0].id) as Message);
        }
        expect(shape(parsed.messages)).toEqual(shape(reordered));
      }),
      { numRuns: 200 },
    );
  });
});
