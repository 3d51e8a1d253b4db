import { conversationToReact } from '@tuneforge/datasets';
import { ChatAggregator } from '../aggregators/chat-aggregator';
import { ReactPromptAggregator } from '../aggregators/react-prompt-aggregator';
import type { AgentMessage } from '../messages/agent-message';
import { AgentMemory } from './agent-memory';

const toolStep: AgentMessage = {
  sender: 'agent',
  content: '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: 2+2',
  parsed: { kind: 'tool_calls', calls: [{ name: 'calculator', arguments: { input: '2+2' } }], content: null, thought: 'Do I need to use a tool? Yes.', warnings: [] },
  generation: { finishReason: 'stop', stop: '\nObservation:' },
  toolCallIds: ['call_0_1_1'],
};
const session: AgentMessage[] = [
  { sender: 'user', content: 'What is 2+2?' },
  toolStep,
  { sender: 'tool', content: '4', toolCallId: 'call_0_1_1', toolName: 'calculator' },
  { sender: 'agent', content: '\nThought: Do I need to use a tool? No.\nFinal Answer: 4', parsed: { kind: 'final_answer', answer: '4', thought: 'Do I need to use a tool? No.', warnings: [] } },
];

describe('AgentMemory', () => {
  it('keeps sessions apart and round-trips through a JSON state dict', () => {
    const memory = new AgentMemory();
    memory.add('a', ...session);
    memory.add('b', { sender: 'user', content: 'hi' });
    expect(memory.get('a')).toEqual(session);
    expect(memory.get('b')).toHaveLength(1);
    const dumped = JSON.parse(JSON.stringify(memory.stateDict())) as unknown;
    const restored = new AgentMemory();
    restored.loadStateDict(dumped);
    expect(restored.stateDict()).toEqual(memory.stateDict());
    restored.reset('a');
    expect(restored.sessionIds()).toEqual(['b']);
    restored.reset();
    expect(restored.sessionIds()).toEqual([]);
  });

  it('hands out copies and refuses a malformed dump with the field path', () => {
    const memory = new AgentMemory();
    memory.add('a', { sender: 'user', content: 'hi' });
    memory.get('a')[0].content = 'changed';
    expect(memory.get('a')[0].content).toBe('hi');
    expect(() => memory.loadStateDict({ a: [{ sender: 'user' }] })).toThrow('memory state dict: a.0.content');
    expect(memory.get('a')[0].content).toBe('hi');
  });
});

describe('ChatAggregator', () => {
  it('turns memory into OpenAI messages after the system prompt and few-shot examples', () => {
    const fewShot = [
      { role: 'user' as const, content: 'What is 1+1?' },
      { role: 'assistant' as const, content: '2' },
    ];
    const messages = new ChatAggregator({ system: 'Be brief.', fewShot }).aggregate(
      [...session, { sender: 'environment', content: 'Invalid format' }],
      'agent',
    );
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      ...fewShot,
      { role: 'user', content: 'What is 2+2?' },
      {
        role: 'assistant',
        content: null,
        reasoning: 'Do I need to use a tool? Yes.',
        tool_calls: [{ id: 'call_0_1_1', type: 'function', function: { name: 'calculator', arguments: '{"input":"2+2"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_0_1_1', content: '4' },
      { role: 'assistant', content: '4', reasoning: 'Do I need to use a tool? No.' },
      { role: 'user', content: 'Invalid format' },
    ]);
  });

  it('keeps unreadable output as raw assistant text', () => {
    const raw: AgentMessage = { sender: 'agent', content: '<tool_call>{', parsed: { kind: 'error', error: { format: 'qwen', code: 'unclosed_tag', expected: '</tool_call>', offset: 12, line: 1, column: 13 } } };
    expect(new ChatAggregator().aggregate([raw], 'agent')).toEqual([{ role: 'assistant', content: '<tool_call>{' }]);
  });
});

describe('ReactPromptAggregator', () => {
  const tools = [{ type: 'function' as const, function: { name: 'calculator', description: 'Arithmetic', parameters: { type: 'object', properties: { expression: { type: 'string' } } } } }];

  it('renders the task exactly as libs/datasets renders training prompts, then the scratchpad', () => {
    const aggregator = new ReactPromptAggregator({ system: 'You are a calculator agent.', tools });
    const first = aggregator.aggregate(session.slice(0, 1), 'agent');
    const training = conversationToReact(
      {
        messages: [
          { role: 'system', content: 'You are a calculator agent.' },
          { role: 'user', content: 'What is 2+2?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'calculator', arguments: '{"input":"2+2"}' } }] },
          { role: 'tool', tool_call_id: 'a', content: '4' },
          { role: 'assistant', content: '4' },
        ],
        tools,
      },
      { describeTools: true },
    );
    expect(first).toBe(training[0].prompt);
    expect(first).toContain('> calculator: Arithmetic');
    expect(first.endsWith('\nNew Input: What is 2+2?')).toBe(true);
    // After the tool step and its observation the prompt is again the training prompt of the next step.
    expect(aggregator.aggregate(session.slice(0, 3), 'agent')).toBe(training[1].prompt);
  });

  it('feeds runner feedback as an observation and a later user message as New Input', () => {
    const text = new ReactPromptAggregator().aggregate(
      [
        { sender: 'user', content: 'Hi' },
        { sender: 'agent', content: 'Hello!', generation: { finishReason: 'eos' } },
        { sender: 'environment', content: 'Invalid format' },
        { sender: 'agent', content: '\nThought: ok\nFinal Answer: Hi', generation: { finishReason: 'eos' } },
        { sender: 'user', content: 'Bye' },
      ],
      'agent',
    );
    expect(text).toBe('\nNew Input: HiHello!\nObservation: Invalid format\nThought: ok\nFinal Answer: Hi\nNew Input: Bye');
  });
});
