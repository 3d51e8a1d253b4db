import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { WORKSPACE_ROOT } from '../src/spawn-service';
import { approvalsOf, clientOf, eventsAfterTheEnd, type ScenarioTarget } from './fine-tuning-scenario';

const FIXTURES = join(WORKSPACE_ROOT, 'apps/trainer/test/fixtures');
const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The job object with Tuneforge's `status_details` (the SDK's type does not know it). */
type JobWithDetails = FineTuningJob & { status_details: { waiting_for: string; approval: { id: string; decide_at: number | null; decision_on_timeout: string | null } } | null };

async function uploadTraining(target: ScenarioTarget): Promise<string> {
  return (await clientOf(target).files.create({ file: createReadStream(join(FIXTURES, 'train.jsonl')), purpose: 'fine-tune' })).id;
}

/** Polls the job until it ends, answering nothing: what a plain OpenAI client does. */
async function untilEnded(target: ScenarioTarget, jobId: string, timeoutMs: number, seen?: (job: JobWithDetails) => void): Promise<FineTuningJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await clientOf(target).fineTuning.jobs.retrieve(jobId)) as JobWithDetails;
    seen?.(job);
    if (TERMINAL.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end within ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await sleep(250);
  }
}

/**
 * Issue 12's first bug, as a user met it: `jobs.create(...)` then at once `jobs.cancel(id)` (the cancel can
 * reach the orchestrator before the job's creation does). Every such job ends cancelled, once, and trains nothing.
 */
export async function runCancelRightAfterCreate(target: ScenarioTarget, attempts = 3): Promise<void> {
  const client = clientOf(target);
  const training = await uploadTraining(target);
  const ids: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const job = await client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: training, hyperparameters: { n_epochs: 4, batch_size: 1 } });
    expect(await client.fineTuning.jobs.cancel(job.id)).toMatchObject({ id: job.id, object: 'fine_tuning.job' });
    ids.push(job.id);
  }
  for (const id of ids) {
    const done = await untilEnded(target, id, 120_000);
    expect({ id, status: done.status, model: done.fine_tuned_model }).toEqual({ id, status: 'cancelled', model: null });
    const events = await eventsAfterTheEnd(target, id);
    expect(events.filter((event) => event.message === 'The job was cancelled')).toHaveLength(1);
    expect(events.some((event) => event.message.startsWith('Training completed'))).toBe(false);
  }
}

/**
 * Issue 12's second bug: a job from a client that asked for nothing never waits on a human. A job that asks a
 * human shows the question in `status_details`, and an unanswered question is decided when its time is up.
 */
export async function runNobodyAnswers(target: ScenarioTarget): Promise<void> {
  const client = clientOf(target);
  const training = await uploadTraining(target);

  const plain = await client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: training, hyperparameters: { n_epochs: 2, batch_size: 1 } });
  const plainDone = await untilEnded(target, plain.id, 240_000);
  expect(plainDone).toMatchObject({ status: 'succeeded', status_details: null });
  expect(await approvalsOf(target, plain.id)).toEqual([expect.objectContaining({ stage: 'training_halfway', status: 'answered', decision: 'approve', answered_by: 'policy' })]);

  const asks = await client.fineTuning.jobs.create({
    model: 'tiny-llama',
    training_file: training,
    hyperparameters: { n_epochs: 2, batch_size: 1 },
    ...({ tuneforge: { approval_policy: { training_halfway: 'ask', timeout_seconds: 4 } } } as object),
  });
  let waiting: JobWithDetails['status_details'] = null;
  const asksDone = await untilEnded(target, asks.id, 240_000, (job) => (waiting ??= job.status_details));
  expect(waiting).toMatchObject({ waiting_for: 'approval', approval: { decision_on_timeout: 'approve', decide_at: expect.any(Number) } });
  expect(asksDone).toMatchObject({ status: 'succeeded', status_details: null });
  const [approval] = await approvalsOf(target, asks.id);
  expect(approval).toMatchObject({ id: waiting!.approval.id, status: 'answered', decision: 'approve', answered_by: 'policy', comment: 'no answer before the question timed out' });
  const events = await eventsAfterTheEnd(target, asks.id);
  expect(events.filter((event) => event.message.startsWith(`Nobody answered approval ${approval.id}`))).toHaveLength(1);
}
