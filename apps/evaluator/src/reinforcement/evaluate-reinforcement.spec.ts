// A reinforcement job's evaluation with the real engine and the tiny Qwen3 (tool-call chat template): the held-out
// reinforcement lines run as greedy episodes with both models and the job's grader, the run's recorded rollouts read
// into the report, a bad rollout line named and skipped, bad lines of the set named by line.
import type { Grader } from '@tuneforge/contracts';
import { commitLocalDirectory, FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { evaluate, type EvaluationRequest } from '../evaluation/evaluate';
import { EvaluationInputError } from '../evaluation/evaluation-input-error';
import { renderReportHtml } from '../report/report-html';

const QWEN3 = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-qwen3');

let tmp: string;
let store: FilesystemArtifactStore;
let model: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'evaluator-rl-'));
  store = new FilesystemArtifactStore(join(tmp, 'store'));
  model = await commitLocalDirectory(store, 'models/tiny-qwen3', QWEN3, { kind: 'model' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const line = (a: number, b: number) => JSON.stringify({ messages: [{ role: 'user', content: `${a}+${b}` }], answer: String(a + b) });

async function dataset(name: string, validation: string): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'train.jsonl'), line(1, 1) + '\n');
  writeFileSync(join(dir, 'validation.jsonl'), validation);
  return commitLocalDirectory(store, `datasets/${name}`, dir, { kind: 'dataset' });
}

function request(data: string, grader: Grader, rollouts?: string): EvaluationRequest {
  return {
    taskId: 'eval-rl',
    jobId: 'job-rl',
    iteration: 1,
    baseModel: model,
    tunedModel: model,
    dataset: data,
    tools: [],
    toolFixtures: [],
    settings: { enabled: true, metrics: ['token_f1'], maxNewTokens: 8, agentTurnLimit: 2, temperature: 0, maxExamples: 50 },
    maxSequenceLength: 512,
    maxExamples: 3,
    curve: [{ step: 1, loss: 0.1, learningRate: 0.01, reward: { mean: 0.5, std: 0.5, kl: 0, zeroStdGroups: 0, groups: 1, generatedTokens: 8 } }],
    reinforcement: { grader, maxTurns: 2, maxNewTokens: 8, passThreshold: 1, ...(rollouts ? { rollouts } : {}) },
  };
}

const serving = { threads: 2, maxSequences: 4, maxContext: 512 };

describe('evaluating a reinforcement job', () => {
  it("scores both models' held-out episodes with the job's grader and shows the recorded rollouts", async () => {
    const data = await dataset('rl-set', [line(2, 3), line(4, 4), line(1, 6), line(3, 3)].join('\n') + '\n');
    // A python-free grader every episode passes (the answer is never this text), and one none passes.
    const passes: Grader = { type: 'string_check', name: 'not-banned', input: '{{sample.output_text}}', reference: 'banned answer {{item.answer}}', operation: 'ne' };
    const rollout = (step: number, chain: number, reward: number) => JSON.stringify({ step, group: 0, prompt: 0, chain, task: '1+1', reward, advantage: reward - 0.5, end: 'final_answer', generatedTokens: 3, truncated: false, turns: [{ raw: String(reward), finishReason: 'eos', action: 'final_answer', calls: [] }] });
    await store.put('jobs/job-rl/training/run-1/rollouts/step-00000001.jsonl', Buffer.from([rollout(1, 0, 1), rollout(1, 1, 0)].join('\n') + '\n'));
    await store.put('jobs/job-rl/training/run-1/rollouts/step-00000002.jsonl', Buffer.from([rollout(2, 0, 1), '{"step": "two"}'].join('\n') + '\n'));
    const report = await evaluate(request(data, passes, 'jobs/job-rl/training/run-1/rollouts'), { store, serving });

    expect(report.summary).toMatchObject({ examples: 3, agent_episodes: 3, base: { metrics: { reward_mean: 1, pass_rate: 1 } }, tuned: { metrics: { reward_mean: 1, pass_rate: 1 } } });
    expect(report.evaluationSet).toMatchObject({ evaluated: 3, available: 4, source: `${data}/validation.jsonl` });
    const r = report.reinforcement!;
    expect(r.grader).toEqual({ type: 'string_check', name: 'not-banned' });
    expect(r.heldOut.base.map((e) => [e.line, e.request, e.passed])).toEqual([[1, '2+3', true], [2, '4+4', true], [3, '1+6', true]]);
    for (const e of [...r.heldOut.base, ...r.heldOut.tuned]) {
      expect(e.turns.length).toBeGreaterThanOrEqual(1);
      expect(e.turns.length).toBeLessThanOrEqual(2);
    }
    // Greedy and the same weights: the two models' episodes are the same.
    expect(r.heldOut.tuned.map((e) => e.turns.map((t) => t.raw))).toEqual(r.heldOut.base.map((e) => e.turns.map((t) => t.raw)));
    expect(r.rollouts.map((x) => [x.step, x.chain, x.reward])).toEqual([[1, 0, 1], [1, 1, 0], [2, 0, 1]]);
    expect(r.recordedSteps).toBe(2);
    expect(report.notComputed).toEqual([{ metric: 'training rollouts', reason: expect.stringMatching(/step-00000002\.jsonl line 2: not a rollout record/) }]);
    expect(renderReportHtml(report)).toContain('<svg class="chart reward-curve"');

    const none: Grader = { ...passes, operation: 'eq' };
    const failing = await evaluate(request(data, none), { store, serving });
    expect(failing.summary.tuned.metrics).toEqual({ reward_mean: 0, pass_rate: 0 });
    expect(failing.reinforcement!.rollouts).toEqual([]);
  }, 120_000);

  it('names a held-out line that is not a reinforcement line', async () => {
    const data = await dataset('rl-bad', `${line(1, 2)}\n{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}\n`);
    const grader: Grader = { type: 'string_check', name: 'g', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' };
    await expect(evaluate(request(data, grader), { store, serving })).rejects.toThrow(EvaluationInputError);
    await expect(evaluate(request(data, grader), { store, serving })).rejects.toThrow(/validation\.jsonl.*line 2.*messages\[1\]\.role/);
  });
});
