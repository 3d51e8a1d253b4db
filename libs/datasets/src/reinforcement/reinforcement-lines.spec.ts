import { Readable } from 'node:stream';
import { readReinforcementLines, type ReinforcementReadEvent } from '../index';

async function read(text: string): Promise<ReinforcementReadEvent[]> {
  const events: ReinforcementReadEvent[] = [];
  for await (const event of readReinforcementLines(Readable.from([Buffer.from(text)]), { file: 'rl.jsonl' })) events.push(event);
  return events;
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

describe('reinforcement lines (OpenAI format)', () => {
  it('keeps the prompt and every extra field of the line for the grader', async () => {
    const value = {
      messages: [
        { role: 'system', content: 'You are a calculator agent.' },
        { role: 'user', content: 'What is 12 * 7?' },
      ],
      tools: [{ type: 'function', function: { name: 'calculator', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } }],
      reference_answer: '84',
      expected_call: { name: 'calculator', arguments: { expression: '12 * 7' } },
    };
    const [event] = await read(line(value));
    if (!('line' in event)) throw event.error;
    expect(event.location).toEqual({ file: 'rl.jsonl', line: 1 });
    expect(event.line.prompt.messages).toHaveLength(2);
    expect(event.line.prompt.tools?.[0].function.name).toBe('calculator');
    expect(event.line.item).toEqual(value);
  });

  it('refuses, with line numbers, a line whose last message is not the user, no messages, and broken JSON', async () => {
    const good = line({ messages: [{ role: 'user', content: 'hi' }], answer: 'hello' });
    const endsWithAssistant = line({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] });
    const noMessages = line({ prompt: 'hi', answer: 'hello' });
    const events = await read(`${good}${endsWithAssistant}\n${noMessages}{"messages": [\n`);
    expect('line' in events[0]).toBe(true);
    const errors = events.slice(1).map((event) => ('error' in event ? event.error : undefined));
    expect(errors.map((error) => [error?.line, error?.path])).toEqual([
      [2, 'messages[1].role'],
      [4, 'messages'],
      [5, ''],
    ]);
    expect(errors[0]?.message).toContain("the last message of a reinforcement line is the user's turn");
    expect(errors[2]?.code).toBe('invalid_json');
  });

  it('applies the chat rules to the prompt: a tool result must answer a call', async () => {
    const orphan = line({ messages: [{ role: 'tool', tool_call_id: 'c1', content: '84' }, { role: 'user', content: 'and then?' }] });
    const [event] = await read(orphan);
    expect('error' in event && event.error.line).toBe(1);
  });
});
