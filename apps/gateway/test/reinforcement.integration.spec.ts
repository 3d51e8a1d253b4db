import { service as datagen } from '@tuneforge/datagen';
import { service as evaluator } from '@tuneforge/evaluator';
import { service as orchestrator } from '@tuneforge/orchestrator';
import type { EmbeddedDeployment } from '@tuneforge/service-kit';
import { service as trainer } from '@tuneforge/trainer';
import OpenAI, { toFile } from 'openai';
import { KEY_A, startJobDeployment } from './gateway-harness';

const terminal = ['succeeded', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** OpenAI's reinforcement lines: the last message is the user's, the extra field (`answer`) is the grader's item. */
const lines = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const [x, y] = [from + i, (from + i) % 5];
    return JSON.stringify({ messages: [{ role: 'user', content: `What is ${x} + ${y}?` }], answer: String(x + y) });
  }).join('\n') + '\n';

/**
 * Issue 19's SDK acceptance: the official `openai` SDK creates reinforcement jobs, one graded by a `string_check`
 * and one by a `multi` grader (a string_check and a fuzzy match in a formula), and follows each job's metrics
 * events to the end: one per step, each with the step's reward, then a tuned model by its ft: name. The tiny random
 * model learns nothing here; what is checked is that the method runs end to end as OpenAI's API defines it.
 */
describe('reinforcement fine-tuning through the gateway (embedded: gateway + orchestrator + datagen + trainer + evaluator)', () => {
  let deployment: EmbeddedDeployment;
  let client: OpenAI;
  let url: string;

  beforeAll(async () => {
    ({ deployment, client, url } = await startJobDeployment('reinforcement', [orchestrator, datagen, trainer, evaluator], { TF_EVAL_THREADS: '2' }));
  });
  afterAll(() => deployment?.close());

  async function runToTheEnd(grader: Record<string, unknown>, tuneforge: Record<string, unknown> = {}): Promise<{ job: OpenAI.FineTuning.FineTuningJob; metrics: Array<Record<string, number>> }> {
    const training = await client.files.create({ file: await toFile(Buffer.from(lines(1, 8)), 'rl-train.jsonl'), purpose: 'fine-tune' });
    const validation = await client.files.create({ file: await toFile(Buffer.from(lines(20, 4)), 'rl-valid.jsonl'), purpose: 'fine-tune' });
    const created = await client.fineTuning.jobs.create({
      model: 'tiny-llama',
      training_file: training.id,
      validation_file: validation.id,
      method: { type: 'reinforcement', reinforcement: { grader: grader as never, hyperparameters: { n_epochs: 1, batch_size: 2, compute_multiplier: 0.5, eval_interval: 2, eval_samples: 2 } } },
      // Short rollouts: one answer of at most 12 tokens per episode.
      ...({ tuneforge: { config: { training: { grpo: { maxTurns: 1, maxNewTokens: 12 } } }, ...tuneforge } } as object),
    });
    expect(created.method).toMatchObject({ type: 'reinforcement', reinforcement: { grader } });
    const deadline = Date.now() + 300_000;
    let job = created;
    while (!terminal.includes(job.status)) {
      if (Date.now() > deadline) throw new Error(`job ${created.id} still ${job.status}`);
      await sleep(500);
      job = await client.fineTuning.jobs.retrieve(created.id);
    }
    const events = [];
    for await (const event of client.fineTuning.jobs.listEvents(created.id, { limit: 100 })) events.push(event);
    if (job.status !== 'succeeded') throw new Error(`expected success: ${JSON.stringify(job.error)}; events: ${events.map((e) => e.message).join(' | ')}`);
    const metrics = events.filter((e) => e.type === 'metrics').map((e) => e.data as Record<string, number>).reverse();
    return { job, metrics };
  }

  it.each([
    ['a string_check grader', { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' }],
    [
      'a multi grader',
      {
        type: 'multi',
        name: 'sum',
        graders: {
          exact: { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'ilike' },
          close: { type: 'text_similarity', name: 'close', input: '{{sample.output_text}}', reference: '{{item.answer}}', evaluation_metric: 'fuzzy_match' },
        },
        calculate_output: '0.5 * exact + 0.5 * close',
      },
    ],
  ])('trains with %s and reports each step\'s reward to the end', async (_, grader) => {
    const { job, metrics } = await runToTheEnd(grader);
    expect(job.fine_tuned_model).toMatch(/^ft:tiny-llama:tenant-a::/);
    // 8 prompts, 2 per step, one epoch: steps 1..4, each with a reward in the grader's range.
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    for (const m of metrics) {
      expect(m.train_reward_mean).toBeGreaterThanOrEqual(0);
      expect(m.train_reward_mean).toBeLessThanOrEqual(1);
      expect(Number.isFinite(m.train_reward_std)).toBe(true);
    }
    // Every eval_interval steps, the held-out prompts' reward.
    expect(metrics.filter((m) => m.valid_reward_mean !== undefined).map((m) => m.step)).toEqual([2, 4]);
  }, 420_000);

  it("evaluates the tuned model against the base with the job's grader, and shows the reward curve and the rollouts in the report", async () => {
    const grader = { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' };
    const { job } = await runToTheEnd(grader, { evaluation: { enabled: true }, approval_policy: { after_evaluation: 'approve' } });
    const api = (path: string) => fetch(`${url}/v1${path}`, { headers: { authorization: `Bearer ${KEY_A}` } });
    const report = (await (await api(`/fine_tuning/jobs/${job.id}/report?format=json`)).json()) as {
      summary: { examples: number; base: { metrics: Record<string, number> }; tuned: { metrics: Record<string, number> } };
      reinforcement: { grader: { type: string }; heldOut: { base: Array<{ request: string; turns: unknown[] }>; tuned: unknown[] }; rollouts: Array<{ step: number; reward: number; turns: unknown[] }>; recordedSteps: number };
      trainingCurve: Array<{ step: number; reward?: { mean: number; validMean?: number } }>;
    };
    // The 4 held-out prompts, one greedy episode each with each model, scored by the job's grader.
    expect(report.summary.examples).toBe(4);
    for (const role of ['base', 'tuned'] as const) {
      expect(report.summary[role].metrics).toEqual({ reward_mean: expect.any(Number), pass_rate: expect.any(Number) });
      expect(report.reinforcement.heldOut[role]).toHaveLength(4);
    }
    expect(report.reinforcement.heldOut.base[0]).toMatchObject({ request: 'What is 20 + 0?', turns: [expect.any(Object)] });
    // Every step's rollouts were recorded (4 steps, 2 prompts x 2 chains), each an episode with its grader's reward.
    expect(report.reinforcement.recordedSteps).toBe(4);
    expect([...new Set(report.reinforcement.rollouts.map((r) => r.step))]).toEqual([1, 2, 3, 4]);
    expect(report.reinforcement.rollouts).toHaveLength(16);
    for (const r of report.reinforcement.rollouts) expect([0, 1]).toContain(r.reward);
    // The reward curve: every step's reward, the held-out reward at eval_interval steps.
    expect(report.trainingCurve.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(report.trainingCurve.filter((p) => p.reward?.validMean !== undefined).map((p) => p.step)).toEqual([2, 4]);
    const html = await (await api(`/fine_tuning/jobs/${job.id}/report`)).text();
    expect(html).toContain('<svg class="chart reward-curve"');
    expect(html).toContain("Reinforcement: held-out tasks scored by the job's grader (string_check “exact”)");
    expect(html.match(/<table class="rollouts"/g)).toHaveLength(4);
  }, 420_000);
});
