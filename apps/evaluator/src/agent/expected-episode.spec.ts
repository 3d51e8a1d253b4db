import type { Conversation } from '@tuneforge/datasets';
import { argumentsMatch, expectedEpisode } from './expected-episode';

const call = (id: string, name: string, args: Record<string, unknown>) => ({ id, type: 'function' as const, function: { name, arguments: JSON.stringify(args) } });

describe('expectedEpisode', () => {
  it('reads tool calls in order (parallel calls one after another), each with the tool message that answered its id, then the answer', () => {
    const conversation: Conversation = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        { role: 'assistant', content: null, tool_calls: [call('a', 'get_weather', { city: 'Paris' }), call('b', 'get_weather', { city: 'Oslo' })] },
        { role: 'tool', tool_call_id: 'b', content: 'Oslo: -2' },
        { role: 'tool', tool_call_id: 'a', content: 'Paris: 10' },
        { role: 'assistant', content: 'Paris 10, Oslo -2.' },
        { role: 'user', content: 'And Rome?' },
        { role: 'assistant', content: null, tool_calls: [call('c', 'get_weather', { city: 'Rome' })] },
      ],
    };
    expect(expectedEpisode(conversation)).toEqual({
      task: conversation.messages.slice(0, 2),
      steps: [
        { action: { kind: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } }, observation: 'Paris: 10' },
        { action: { kind: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } }, observation: 'Oslo: -2' },
        { action: { kind: 'final_answer', answer: 'Paris 10, Oslo -2.' } },
      ],
    });
  });

  it('reads LangChain ReAct text in assistant turns, the following message being the observation', () => {
    const conversation: Conversation = {
      messages: [
        { role: 'user', content: 'What is 12*7?' },
        { role: 'assistant', content: 'Thought: Do I need to use a tool? Yes\nAction: calculator\nAction Input: {"expression": "12*7"}\nObservation:' },
        { role: 'user', content: '84' },
        { role: 'assistant', content: 'Thought: Do I need to use a tool? No\nFinal Answer: 84' },
      ],
    };
    expect(expectedEpisode(conversation)?.steps).toEqual([
      { action: { kind: 'tool_call', name: 'calculator', arguments: { expression: '12*7' } }, observation: '84' },
      { action: { kind: 'final_answer', answer: '84' } },
    ]);
  });

  it('has nothing to evaluate without a user request before the first assistant turn', () => {
    expect(expectedEpisode({ messages: [{ role: 'assistant', content: 'Hi' }] })).toBeUndefined();
    expect(expectedEpisode({ messages: [{ role: 'system', content: 'x' }, { role: 'assistant', content: 'Hi' }] })).toBeUndefined();
  });
});

describe('argumentsMatch', () => {
  it('needs every expected argument with the same value; extra arguments, key order and string case do not matter', () => {
    expect(argumentsMatch({ city: 'Paris' }, { city: ' paris ', unit: 'celsius' })).toBe(true);
    expect(argumentsMatch({ filter: { a: 1, b: [1, 2] } }, { filter: { b: [1, 2], a: 1 } })).toBe(true);
    expect(argumentsMatch({ city: 'Paris', unit: 'celsius' }, { city: 'Paris' })).toBe(false);
    expect(argumentsMatch({ n: 1 }, { n: '1' })).toBe(false);
    expect(argumentsMatch({}, {})).toBe(true);
  });
});
