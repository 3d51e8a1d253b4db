// Issue 19's acceptance on the real default model (not a test: ~15-40 min on 2 cores, so it is run by hand and its
// numbers go in docs/reinforcement.md): SmolLM2-135M-Instruct, reinforcement after supervised training, on a
// calculator task in the ReAct format (SmolLM2's chat template renders no tools, so its agent format is ReAct, as in
// the quick start).
//
//   node -r @swc-node/register apps/train-pod/acceptance/smollm2-react-rl.ts [--model DIR] [--sft-steps 30]
//        [--rl-steps 10] [--prompts 3] [--chains 4] [--threads 2]
//
// The task: "What is 347 + 589?" (three-digit sums, which a 135M model does not add reliably by itself); the right
// episode calls the calculator with the expression and answers with its result. The demonstrations are imperfect:
// two in five answer at once with a wrong sum. Supervised training (a LoRA adapter, then merged) imitates them; GRPO
// after it (a fresh adapter, beta 0, a multi grader: half tool_call, half string_check on the answer) rolls out groups of episodes on
// the serving path, the calculator really computing. Held-out prompts are sums never trained on, 4 sampled episodes
// each (temperature 1, fixed seeds). Printed: held-out task success (right final answer) and tool-call accuracy (the
// tool_call grader's full marks: the calculator with the task's expression as JSON), after SFT and after SFT + GRPO.
import { createCalculatorTool, createParser, type AgentTool } from '@tuneforge/agents';
import type { Grader } from '@tuneforge/contracts';
import { runGrader, trajectoryGraderSample, type GraderSample } from '@tuneforge/graders';
import { conversationToReact, loadModelTokenizer, tokenizePromptCompletion, type Message, type ToolDefinition } from '@tuneforge/datasets';
import { Model, type LoraTargetModule } from '@tuneforge/engine';
import { ServedAgentModel, ServedModel } from '@tuneforge/serving';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { padRows } from '../src/training/plan';
import { resolveGrpoConfig } from '../src/reinforcement/grpo-settings';
import { reinforcementStep, rolloutAndGrade, type ReinforcementContext, type ReinforcementTask } from '../src/reinforcement/reinforcement-step';
import type { Episode } from '../src/reinforcement/rollouts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const MODEL = arg('model', join(homedir(), '.cache/tuneforge/models/SmolLM2-135M-Instruct'));
const SFT_STEPS = Number(arg('sft-steps', '30'));
const RL_STEPS = Number(arg('rl-steps', '10'));
const THREADS = Number(arg('threads', '2'));
const PROMPTS = Number(arg('prompts', '3'));
const CHAINS = Number(arg('chains', '4'));
const LORA = { r: 16, alpha: 32, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as LoraTargetModule[] };

const calculator = (): AgentTool => createCalculatorTool({ description: 'Computes an arithmetic expression.' });
const definition = (tool: AgentTool): ToolDefinition => ({ type: 'function', function: { name: tool.name, description: tool.description!, parameters: tool.parameters! } });

/** Seeded three-digit pairs: 48 to train on, 12 held out (pairs never trained on). */
function pairs(): { train: Array<[number, number]>; heldOut: Array<[number, number]> } {
  let state = 12345;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31), state);
  const all = Array.from({ length: 60 }, (): [number, number] => [100 + (next() % 900), 100 + (next() % 900)]);
  return { train: all.slice(0, 48), heldOut: all.slice(48) };
}
const question = ([a, b]: [number, number]) => `What is ${a} + ${b}?`;
const task = (pair: [number, number]): ReinforcementTask => ({ messages: [{ role: 'user', content: question(pair) }], item: { answer: String(pair[0] + pair[1]), expected_call: { name: 'calculator', arguments: { expression: `${pair[0]} + ${pair[1]}` } } } });

/** A demonstration: the tool call and its answer, or (two in five) a wrong sum given at once. */
function demonstration([a, b]: [number, number], i: number): Message[] {
  const user: Message = { role: 'user', content: question([a, b]) };
  if (i % 5 < 2) return [user, { role: 'assistant', content: String(a + b + 10 * (1 + (i % 3))) }];
  const id = `call_${i}`;
  return [
    user,
    { role: 'assistant', content: null, reasoning: 'I should compute this with the calculator.', tool_calls: [{ id, type: 'function', function: { name: 'calculator', arguments: JSON.stringify({ expression: `${a} + ${b}` }) } }] },
    { role: 'tool', tool_call_id: id, content: String(a + b) },
    { role: 'assistant', content: String(a + b), reasoning: 'The calculator gave the sum.' },
  ] as Message[];
}

/**
 * The reward, with the job-facing graders (libs/graders, as a reinforcement job would declare it): half for the right
 * tool call (`tool_call`: the calculator with the task's expression as its JSON argument, the evaluator's rule), half for
 * the right final answer (`string_check` eq). Rewarding the answer alone let the policy drift to a raw-text Action
 * Input, which the calculator accepts but which is not a JSON tool call (the first run: see docs/reinforcement.md).
 */
const grader: Grader = {
  type: 'multi',
  name: 'call and answer',
  graders: {
    call: { type: 'tool_call', name: 'call', reference: '{{item.expected_call}}' },
    answer: { type: 'string_check', name: 'answer', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' },
  },
  calculate_output: '0.5 * call + 0.5 * answer',
};
const grade = async (sample: GraderSample, item: Record<string, unknown>): Promise<number> => (await runGrader(grader, { sample, item })).score;

/** Held-out scores of one episode: the right final answer, and the right tool call (the tool_call grader's full marks). */
async function episodeScores(episode: Episode, item: Record<string, unknown>): Promise<{ answer: number; call: number }> {
  const result = await runGrader(grader, { sample: trajectoryGraderSample(episode.trajectory), item });
  return { answer: result.subScores?.['answer'] ?? 0, call: result.subScores?.['call'] === 1 ? 1 : 0 };
}

async function main(): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const model = await Model.load(MODEL, { threads: THREADS });
  const tokenizer = await loadModelTokenizer(MODEL);
  const { train, heldOut } = pairs();
  const tools = [definition(calculator())];

  // Supervised: every ReAct step of every demonstration, as the quick start's data is.
  const rows = train.flatMap((pair, i) => conversationToReact({ messages: demonstration(pair, i), tools } as never, { describeTools: true })).map((step, i) => {
    const s = tokenizePromptCompletion(tokenizer, step);
    return { input_ids: s.input_ids, labels: s.labels, position_ids: s.input_ids.map((_, t) => t), boundaries: [0, s.input_ids.length], sampleIndices: [i] };
  });
  const sft = await model.createTrainer({ mode: 'lora', lora: LORA, lr: 2e-3, weightDecay: 0, maxGradNorm: 1, schedule: 'cosine', warmupSteps: 3, totalSteps: SFT_STEPS, seed: 1 });
  for (let step = 0; step < SFT_STEPS; step++) {
    const batch = Array.from({ length: 8 }, (_, k) => rows[(step * 8 + k) % rows.length]);
    await sft.accumulate(padRows(batch, tokenizer.eosTokenId ?? 0));
    const result = await sft.step();
    if (step % 5 === 0 || step === SFT_STEPS - 1) process.stdout.write(`sft step ${step + 1}/${SFT_STEPS}: loss ${result.loss.toFixed(4)} (${elapsed()})\n`);
  }
  sft.dispose();
  await model.mergeAdapter();

  const served = await ServedModel.overEngine(model, MODEL, { maxSequences: 32, maxContext: 1024 }, { tokenizer });
  const settings = resolveGrpoConfig({ numChains: CHAINS, maxTurns: 2, maxNewTokens: 40, temperature: 1, beta: 0 });
  const ctx = (trainer: ReinforcementContext['trainer']): ReinforcementContext => ({
    trainer,
    policy: new ServedAgentModel(served, { maxNewTokens: settings.maxNewTokens }),
    lora: true,
    grade,
    rollout: { parser: createParser('react'), ...(tokenizer.eosTokenId !== undefined ? { endOfSequenceId: tokenizer.eosTokenId } : {}) },
    toolsOf: () => () => [calculator()],
    settings,
    microBatchSamples: 8,
    padTokenId: tokenizer.eosTokenId ?? 0,
  });
  const heldOutScores = async (): Promise<{ success: number; toolCalls: number }> => {
    const tasks = heldOut.map(task);
    const { episodes } = await rolloutAndGrade(ctx(undefined as never), tasks, { numChains: 4, maxTurns: 2, maxNewTokens: 40, temperature: 1, seed: 4242 });
    const scores = await Promise.all(episodes.flatMap((group, i) => group.map((e) => episodeScores(e, tasks[i].item))));
    process.stdout.write(`  e.g. ${JSON.stringify(episodes[0][0].trajectory.turns.map((t) => t.raw))}\n`);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    return { success: mean(scores.map((x) => x.answer)), toolCalls: mean(scores.map((x) => x.call)) };
  };
  const afterSft = await heldOutScores();
  process.stdout.write(`after SFT: task success ${afterSft.success.toFixed(3)}, tool-call accuracy ${afterSft.toolCalls.toFixed(3)} (${elapsed()})\n`);

  const trainer = await model.createTrainer({ mode: 'lora', lora: LORA, lr: 2e-3, weightDecay: 0, maxGradNorm: 1, schedule: 'constant', warmupSteps: 0, totalSteps: RL_STEPS, seed: 2 });
  for (let step = 1; step <= RL_STEPS; step++) {
    const prompts = Array.from({ length: PROMPTS }, (_, k) => task(train[(step * PROMPTS + k) % train.length]));
    const r = await reinforcementStep(ctx(trainer), prompts, 1000 + step * 97);
    await trainer.step();
    process.stdout.write(`grpo step ${step}/${RL_STEPS}: reward ${r.rewardMean.toFixed(3)} ± ${r.rewardStd.toFixed(3)}, zero-std groups ${r.zeroStdGroups}/${PROMPTS} (${elapsed()})\n`);
  }
  const afterRl = await heldOutScores();
  process.stdout.write(`after SFT + GRPO: task success ${afterRl.success.toFixed(3)}, tool-call accuracy ${afterRl.toolCalls.toFixed(3)} (${elapsed()})\n`);
  process.stdout.write(`RESULT held-out task success ${afterSft.success.toFixed(3)} -> ${afterRl.success.toFixed(3)}; tool-call accuracy ${afterSft.toolCalls.toFixed(3)} -> ${afterRl.toolCalls.toFixed(3)}\n`);
  trainer.dispose();
  await served.dispose();
  model.dispose();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
