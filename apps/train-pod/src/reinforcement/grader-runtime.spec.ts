// The pod's graders are libs/graders' own, fed what a rollout gives them: the final answer against the line's fields
// (string_check with templates), and the tool environment's state and calls (task_success).
import { createCalculatorTool, createParser, type ModelGenerateOptions, type ModelInput } from '@tuneforge/agents';
import { graderContextOf } from '@tuneforge/graders';
import { graderRuntime } from './grader-runtime';
import { trajectoryGraderSample } from '@tuneforge/graders';
import { rolloutGroup, type TokenAgentModel } from './rollouts';

const CALL = '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: {"expression": "6*7"}';

/** Chain 0 calls the calculator then answers 42; chain 1 answers 41 at once. */
const policy: TokenAgentModel = {
  async generate(_input: ModelInput, options: ModelGenerateOptions) {
    const script = options.chain === 0 ? [CALL, '\nThought: Do I need to use a tool? No.\nFinal Answer: 42'] : ['\nThought: Do I need to use a tool? No.\nFinal Answer: 41'];
    const text = script[(options.turn ?? 1) - 1];
    return { text, finishReason: 'stop' as const, ...(text === CALL ? { stop: '\nObservation:' } : {}), promptTokens: [1, 2], tokens: [3] };
  },
};

describe('the grader runtime', () => {
  it('scores rollouts with libs/graders: string_check on the answer, task_success on the calls and the state', async () => {
    const episodes = await rolloutGroup(policy, [{ role: 'user', content: '6*7?' }], { parser: createParser('react'), tools: () => [createCalculatorTool()], numChains: 2, maxTurns: 3, maxNewTokens: 8, temperature: 1, seed: 0 });
    const grade = graderRuntime(graderContextOf({}));
    const item = { messages: [], answer: '42' };
    const exact = grade({ type: 'string_check', name: 'answer', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' });
    expect(await Promise.all(episodes.map((e) => exact(trajectoryGraderSample(e.trajectory), item)))).toEqual([1, 0]);
    const success = grade({
      type: 'task_success',
      name: 'used the calculator',
      expectations: [
        { type: 'tool_called', tool: 'calculator', arguments: { expression: '6*7' } },
        { type: 'state', path: 'tool_calls.0.output', op: 'eq', value: '42' },
      ],
    });
    expect(await Promise.all(episodes.map((e) => success(trajectoryGraderSample(e.trajectory), item)))).toEqual([1, 0]);
  });

  it('reads the model graders endpoint from the pod environment', () => {
    expect(graderContextOf({})).toEqual({});
    expect(graderContextOf({ TF_GRADER_BASE_URL: 'http://127.0.0.1:8080/v1', TF_GRADER_API_KEY: 'k' })).toEqual({ openai: { baseURL: 'http://127.0.0.1:8080/v1', apiKey: 'k' } });
  });
});
