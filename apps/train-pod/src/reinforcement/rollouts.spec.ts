// Rollouts as GRPO samples: each turn a segment of its prompt (masked) and its generation (trained), the tool really
// executed between turns and its output only ever in a later prompt (masked), the end-of-sequence id trained when
// the generation ended on it, and what the grader reads (final answer, tool calls, the episode).
import { createCalculatorTool, createParser, type ModelGenerateOptions, type ModelInput } from '@tuneforge/agents';
import { trajectoryGraderSample } from '@tuneforge/graders';
import { rolloutGroup, type TokenAgentModel } from './rollouts';

const EOS = 99;

/** Text in, text out, with token ids: a prompt's ids are its characters' codes mod 90; generations are scripted per chain. */
class FakePolicy implements TokenAgentModel {
  readonly calls: Array<{ input: ModelInput; options: ModelGenerateOptions }> = [];
  constructor(private readonly script: Record<number, string[]>) {}
  async generate(input: ModelInput, options: ModelGenerateOptions) {
    this.calls.push({ input, options });
    const prompt = 'prompt' in input ? input.prompt : JSON.stringify(input.messages);
    const text = this.script[options.chain ?? 0][(options.turn ?? 1) - 1];
    const toolStep = text.includes('Action:');
    return {
      text,
      finishReason: toolStep ? ('stop' as const) : ('eos' as const),
      ...(toolStep ? { stop: '\nObservation:' } : {}),
      promptTokens: [...prompt].map((c) => c.charCodeAt(0) % 90),
      tokens: [...text].map((c) => c.charCodeAt(0) % 90),
    };
  }
}

describe('rolloutGroup', () => {
  const settings = { parser: createParser('react'), tools: () => [createCalculatorTool()], numChains: 2, maxTurns: 3, maxNewTokens: 32, temperature: 1, seed: 7, endOfSequenceId: EOS };

  it('makes one segment per turn: prompt masked, generation trained, the tool output only in the next prompt', async () => {
    const call = '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: {"expression": "2+3"}';
    const policy = new FakePolicy({ 0: [call, '\nThought: Do I need to use a tool? No.\nFinal Answer: 5'], 1: ['\nThought: Do I need to use a tool? No.\nFinal Answer: 6'] });
    const episodes = await rolloutGroup(policy, [{ role: 'user', content: 'What is 2+3?' }], settings);
    expect(episodes).toHaveLength(2);
    const [first, second] = episodes;
    expect(first.segments).toHaveLength(2);
    const [turn1, turn2] = first.segments;
    const prompt1 = (policy.calls[0].input as { prompt: string }).prompt;
    expect(turn1.mask.filter((m) => m === 0)).toHaveLength(prompt1.length);
    // The tool call is trained; it stopped at the observation, so no end-of-sequence id follows it.
    expect(turn1.mask.filter((m) => m === 1)).toHaveLength(call.length);
    expect(turn1.tokens.at(-1)).not.toBe(EOS);
    // The calculator ran: its result is in the second prompt, which is masked.
    const prompt2 = (policy.calls.find((c) => c.options.chain === 0 && c.options.turn === 2)!.input as { prompt: string }).prompt;
    expect(prompt2).toContain('Observation: 5');
    expect(turn2.mask.indexOf(1)).toBe(prompt2.length);
    // The answer ended on the end-of-sequence token: it is trained too.
    expect(turn2.tokens.at(-1)).toBe(EOS);
    expect(turn2.mask.at(-1)).toBe(1);
    expect(first.generatedTokens).toBe(call.length + '\nThought: Do I need to use a tool? No.\nFinal Answer: 5'.length + 1);
    expect(second.segments).toHaveLength(1);

    expect(trajectoryGraderSample(first.trajectory)).toMatchObject({ output_text: '5', output_tools: [{ name: 'calculator', arguments: '{"expression":"2+3"}' }] });
    expect(trajectoryGraderSample(second.trajectory)).toMatchObject({ output_text: '6', output_tools: [] });
    expect(trajectoryGraderSample(first.trajectory).trajectory.messages.some((m) => m.role === 'tool')).toBe(true);
    // The environment's state: what the tools did, as task_success state expectations read it.
    expect(trajectoryGraderSample(first.trajectory).environment).toEqual({ tool_calls: [{ name: 'calculator', arguments: { expression: '2+3' }, output: '5' }], final_answer: '5', end: 'final_answer', turns: 2 });
  });

  it('samples each chain with its own seed, and stops at maxTurns', async () => {
    const call = '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: {"expression": "1+1"}';
    const policy = new FakePolicy({ 0: [call, call, call, call], 1: [call, call, call, call] });
    const episodes = await rolloutGroup(policy, [{ role: 'user', content: '1+1' }], settings);
    expect(episodes.map((e) => e.segments.length)).toEqual([3, 3]);
    expect(episodes.map((e) => e.trajectory.end)).toEqual(['max_turns', 'max_turns']);
    expect(new Set(policy.calls.map((c) => c.options.seed))).toEqual(new Set([7, 8]));
  });

  it('ends an episode whose history outgrew the context instead of failing; its turns so far are kept', async () => {
    const call = '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: {"expression": "1+1"}';
    const inner = new FakePolicy({ 0: [call, call, call], 1: [call, call, call] });
    const encode = (input: ModelInput) => [...('prompt' in input ? input.prompt : '')].map(() => 1);
    // Room for the first turn's prompt and generation only: the second prompt (with the observation) does not fit.
    const first = await rolloutGroup({ generate: (i, o) => inner.generate(i, o) }, [{ role: 'user', content: '1+1' }], { ...settings, maxTurns: 1 });
    const room = first[0].segments[0].tokens.length;
    const policy: TokenAgentModel = { generate: (i, o) => inner.generate(i, o), encode, maxContext: room };
    const episodes = await rolloutGroup(policy, [{ role: 'user', content: '1+1' }], settings);
    expect(episodes.map((e) => e.segments.length)).toEqual([1, 1]);
    expect(episodes.map((e) => e.trajectory.end)).toEqual(['max_turns', 'max_turns']);
    expect(episodes.map((e) => e.truncated)).toEqual([true, true]);
  });
});
