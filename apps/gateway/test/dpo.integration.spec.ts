import { service as datagen } from '@tuneforge/datagen';
import { service as evaluator } from '@tuneforge/evaluator';
import { service as orchestrator } from '@tuneforge/orchestrator';
import type { EmbeddedDeployment } from '@tuneforge/service-kit';
import { service as trainer } from '@tuneforge/trainer';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { KEY_A, startJobDeployment } from './gateway-harness';

const FIXTURES = resolve(__dirname, 'fixtures');
const TRAINER_FIXTURES = resolve(__dirname, '../../trainer/test/fixtures');
const terminal = ['succeeded', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PreferenceReport {
  pairs: number;
  beta: number;
  base: Record<string, number>;
  tuned: Record<string, number>;
  perPair: Array<{ base: { chosen: number; rejected: number }; tuned: { chosen: number; rejected: number } }>;
}

/**
 * Issue 16's acceptance for DPO, with the official `openai` SDK as a user's existing code calls it: a DPO job on
 * preference pairs whose outputs are tool calls (the right tool with the right arguments against the other tool,
 * or wrong arguments) trains the tiny model, and on held-out pairs (the validation file) the tuned model prefers
 * the chosen call more often than the base did. Gateway, orchestrator, datagen, trainer (training pods as child
 * processes) and evaluator over the in-process bus and a filesystem store.
 */
describe('DPO through the gateway (embedded: gateway + orchestrator + datagen + trainer + evaluator)', () => {
  let deployment: EmbeddedDeployment;
  let url: string;
  let client: OpenAI;

  beforeAll(async () => {
    ({ deployment, url, client } = await startJobDeployment('dpo', [orchestrator, datagen, trainer, evaluator], { TF_EVAL_THREADS: '2' }));
  });

  afterAll(() => deployment?.close());

  const upload = (path: string) => client.files.create({ file: createReadStream(path), purpose: 'fine-tune' });
  const api = (path: string) => fetch(`${url}/v1${path}`, { headers: { authorization: `Bearer ${KEY_A}` } });

  async function ended(id: string, timeoutMs: number): Promise<OpenAI.FineTuning.FineTuningJob> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await client.fineTuning.jobs.retrieve(id);
      if (terminal.includes(job.status)) return job;
      if (Date.now() > deadline) {
        const events = (await client.fineTuning.jobs.listEvents(id, { limit: 100 })).data.map((e) => e.message);
        throw new Error(`timed out waiting for ${id}: ${JSON.stringify(job)} ${events.join(' | ')}`);
      }
      await sleep(500);
    }
  }

  it("method {type: 'dpo', dpo: {hyperparameters: {beta: 0.1}}} trains on tool-call pairs; held-out preference accuracy rises above the base model's", async () => {
    const training = await upload(join(FIXTURES, 'dpo-tools.train.jsonl'));
    const heldOut = await upload(join(FIXTURES, 'dpo-tools.heldout.jsonl'));
    const created = await client.fineTuning.jobs.create({
      model: 'tiny-llama',
      training_file: training.id,
      validation_file: heldOut.id,
      method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.1, n_epochs: 40, batch_size: 4, learning_rate_multiplier: 10 } } },
      seed: 7,
      // Tuneforge's loop: evaluate the tuned model against the base on the held-out pairs, keep it (one iteration).
      ...({ tuneforge: { evaluation: { enabled: true }, approval_policy: { after_evaluation: 'approve' } } } as object),
    });
    // The job echoes the method with every value resolved.
    expect(created.method).toEqual({ type: 'dpo', dpo: { hyperparameters: { beta: 0.1, n_epochs: 40, batch_size: 4, learning_rate_multiplier: 10 } } });
    const done = await ended(created.id, 540_000);
    if (done.status !== 'succeeded') throw new Error(`expected success: ${JSON.stringify(done)}`);
    expect(done.method).toEqual(created.method);
    expect(done.fine_tuned_model).toMatch(/^ft:tiny-llama:tenant-a:/);

    // Metrics events: the DPO loss and TRL's reward metrics at every step; the last step measured the held-out pairs.
    const events = (await client.fineTuning.jobs.listEvents(created.id, { limit: 100 })).data;
    const metrics = events.filter((e) => e.type === 'metrics').map((e) => e.data as Record<string, number>);
    const totalSteps = 40 * 6;
    expect(metrics.map((m) => m.step).sort((a, b) => a - b)).toEqual(Array.from({ length: totalSteps }, (_, i) => i + 1).slice(-metrics.length));
    const last = metrics.find((m) => m.step === totalSteps)!;
    expect(last).toMatchObject({ train_loss: expect.any(Number), train_reward_accuracy: expect.any(Number), train_reward_margin: expect.any(Number), train_logps_chosen: expect.any(Number), train_logps_rejected: expect.any(Number), valid_loss: expect.any(Number), valid_reward_accuracy: expect.any(Number) });
    expect(last.train_loss).toBeLessThan(Math.log(2));
    expect(last.train_reward_accuracy).toBe(1);

    // The evaluation report: preference accuracy on the held-out pairs, base against tuned.
    const report = (await (await api(`/fine_tuning/jobs/${created.id}/report?format=json`)).json()) as { summary: { base: { metrics: Record<string, number> }; tuned: { metrics: Record<string, number> } }; preference: PreferenceReport };
    expect(report.preference).toMatchObject({ pairs: 12, beta: 0.1 });
    const base = report.summary.base.metrics;
    const tuned = report.summary.tuned.metrics;
    // Printed for the closing note.
    process.stdout.write(`DPO held-out pairs: preference accuracy base ${base.preference_accuracy} -> tuned ${tuned.preference_accuracy}; logprob margin ${base.logprob_margin} -> ${tuned.logprob_margin}; tuned reward accuracy ${tuned.reward_accuracy}, reward margin ${tuned.reward_margin}\n`);
    expect(tuned.preference_accuracy).toBeGreaterThan(base.preference_accuracy);
    expect(tuned.logprob_margin).toBeGreaterThan(base.logprob_margin);
    expect(tuned.reward_margin).toBeGreaterThan(0);
    expect(tuned.reward_accuracy).toBeGreaterThan(0.5);
    expect(base.reward_margin).toBe(0);
    const html = await (await api(`/fine_tuning/jobs/${created.id}/report`)).text();
    expect(html).toContain('<h2>Preference pairs (12, β = 0.1)</h2>');
  }, 600_000);

  it('bad preference data fails at validating_files with the line; a DPO job on chat data is refused there too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-dpo-bad-'));
    const good = { input: { messages: [{ role: 'user', content: 'Hi' }] }, preferred_output: [{ role: 'assistant', content: 'Hello.' }], non_preferred_output: [{ role: 'assistant', content: 'Go away.' }] };
    const cases: Array<[string, unknown[], 'dpo' | 'supervised', RegExp]> = [
      ['no-preferred.jsonl', [good, { input: good.input, non_preferred_output: good.non_preferred_output }], 'dpo', /line 2, preferred_output/],
      ['two-messages.jsonl', [good, good, { ...good, preferred_output: [{ role: 'assistant', content: 'a' }, { role: 'assistant', content: 'b' }] }], 'dpo', /line 3, preferred_output/],
    ];
    for (const [name, lines, type, where] of cases) {
      writeFileSync(join(dir, name), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const file = await upload(join(dir, name));
      const job = await client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: file.id, method: { type, [type]: { hyperparameters: { n_epochs: 1 } } } as OpenAI.FineTuning.JobCreateParams['method'] });
      const done = await ended(job.id, 120_000);
      expect({ name, status: done.status, code: done.error?.code, param: done.error?.param }).toEqual({ name, status: 'failed', code: 'invalid_training_file', param: 'training_file' });
      expect(done.error?.message).toMatch(where);
      expect(done.trained_tokens).toBeNull();
    }
    // A DPO job whose file holds chat conversations: refused at validation, saying DPO needs preference lines.
    const chat = await upload(join(TRAINER_FIXTURES, 'train.jsonl'));
    const onChat = await client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: chat.id, method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.2 } } } });
    const refused = await ended(onChat.id, 120_000);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'invalid_training_file', message: expect.stringMatching(/line 1.*preference lines/) } });
    // beta ≤ 0 and a method type that does not match its sub-object are 400s naming the field.
    const pairs = await upload(join(FIXTURES, 'dpo-tools.train.jsonl'));
    await expect(client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: pairs.id, method: { type: 'dpo', dpo: { hyperparameters: { beta: 0 } } } })).rejects.toMatchObject({ status: 400, param: 'method.dpo.hyperparameters.beta' });
    await expect(client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: pairs.id, method: { type: 'supervised', dpo: { hyperparameters: { beta: 0.1 } } } as never })).rejects.toMatchObject({ status: 400, param: 'method.type' });
  }, 600_000);
});
