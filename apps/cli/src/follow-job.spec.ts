import type { OpenAiFineTuningJobEvent, TuneforgeJobApproval } from '@tuneforge/contracts';
import { ConnectionError } from './cli-error';
import { followJob } from './follow-job';
import type { GatewayClient } from './gateway-client';

const event = (id: string, message: string, extra: Partial<OpenAiFineTuningJobEvent> = {}): OpenAiFineTuningJobEvent => ({
  id,
  object: 'fine_tuning.job.event',
  created_at: 1_700_000_000,
  level: 'info',
  message,
  type: 'message',
  data: null,
  ...extra,
});
const metrics = (id: string, step: number) => event(id, `Step ${step}/4`, { type: 'metrics', data: { step, total_steps: 4, train_loss: 2 / step, tokens_per_second: 500, eta_seconds: 4 - step } });
const pending: TuneforgeJobApproval = {
  id: 'approval-h',
  object: 'fine_tuning.job.approval',
  job_id: 'ftjob-a',
  stage: 'training_halfway',
  question: 'Training reached step 2 of 4 (loss 1.0000). Continue?',
  options: ['approve', 'reject'],
  context: {},
  created_at: 1,
  status: 'pending',
  decision: null,
  answered_by: null,
  answered_at: null,
  decide_at: null,
  decision_on_timeout: null,
  comment: null,
};

/** Streams that play the given scripts one connection after another; an Error entry breaks the connection there. */
function client(connections: Array<Array<OpenAiFineTuningJobEvent | 'done' | Error>>, status: string, approvals: TuneforgeJobApproval[]) {
  let connection = 0;
  return {
    settings: { baseUrl: 'http://gw/v1', apiKey: 'k' },
    async *streamEvents() {
      for (const item of connections[connection++] ?? []) {
        if (item instanceof Error) throw item;
        yield item;
      }
    },
    approvals: async () => approvals,
    retrieveJob: async () => ({ id: 'ftjob-a', status, fine_tuned_model: status === 'succeeded' ? 'jobs/ftjob-a/training/run-1/merged' : null, result_files: status === 'succeeded' ? ['jobs/ftjob-a/training/run-1/merged', 'jobs/ftjob-a/training/run-1/adapter'] : [], error: null }),
    connections: () => connection,
  };
}

async function follow(fake: ReturnType<typeof client>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await followJob(fake as unknown as GatewayClient, 'ftjob-a', { out: (l) => out.push(l), err: (l) => err.push(l), write: (t) => out.push(t), progressStream: { isTTY: false } as unknown as NodeJS.WritableStream, input: process.stdin }, { reconnectDelayMs: () => 1 });
  return { code, out, err };
}

describe('followJob', () => {
  it('shows steps, the question with its commands, and ends with the model; exit 0', async () => {
    const asked = event('e3', 'Training paused at step 2 of 4: continue? (approval approval-h)', { data: { approval_id: 'approval-h' } });
    const result = await follow(client([[event('e1', 'Data prepared'), metrics('m1', 1), metrics('m2', 2), asked, metrics('m3', 3), metrics('m4', 4), 'done']], 'succeeded', [pending]));
    expect(result.code).toBe(0);
    expect(result.err).toEqual([
      '22:13:20 Data prepared',
      'step 1/4  loss 2.0000  500 tok/s  ETA 3s',
      'step 2/4  loss 1.0000  500 tok/s  ETA 2s',
      '22:13:20 Training paused at step 2 of 4: continue? (approval approval-h)',
      'APPROVAL NEEDED (training_halfway, approval-h): Training reached step 2 of 4 (loss 1.0000). Continue?',
      '  approve: tuneforge approve ftjob-a approval-h',
      '  reject:  tuneforge approve ftjob-a approval-h --reject',
      'step 3/4  loss 0.6667  500 tok/s  ETA 1s',
      'step 4/4  loss 0.5000  500 tok/s  ETA 0s',
    ]);
    expect(result.out).toEqual([
      'job ftjob-a succeeded',
      'fine-tuned model: jobs/ftjob-a/training/run-1/merged',
      'result: jobs/ftjob-a/training/run-1/merged',
      'result: jobs/ftjob-a/training/run-1/adapter',
      'download: tuneforge download ftjob-a --out DIR   (merged model; --adapter for the PEFT adapter)',
    ]);
  });

  it('reconnects after a lost connection and shows each replayed event once', async () => {
    const lost = new ConnectionError('http://gw/v1', 'ECONNRESET');
    const fake = client([[event('e1', 'Data prepared'), metrics('m1', 1), lost], [event('e1', 'Data prepared'), metrics('m1', 1), metrics('m2', 2), 'done']], 'failed', []);
    const result = await follow(fake);
    expect(fake.connections()).toBe(2);
    expect(result.code).toBe(1);
    expect(result.err.filter((line) => line.includes('Data prepared'))).toHaveLength(1);
    expect(result.err.filter((line) => line.startsWith('step 1/4'))).toHaveLength(1);
    expect(result.err).toContain('connection to the gateway lost (cannot reach the gateway at http://gw/v1: ECONNRESET); reconnecting (1/5)');
  });

  it('gives up with the connection error (exit 5) when the gateway stays away', async () => {
    const lost = new ConnectionError('http://gw/v1', 'ECONNREFUSED');
    await expect(follow(client(Array.from({ length: 7 }, () => [lost]), 'running', []))).rejects.toMatchObject({ exitCode: 5 });
  });

  it('a job cancelled after a rejected question exits 6 and says why', async () => {
    const rejected = { ...pending, status: 'answered' as const, decision: 'reject' as const, answered_by: 'human' as const };
    const result = await follow(client([[event('e9', 'The job was cancelled'), 'done']], 'cancelled', [rejected]));
    expect(result.code).toBe(6);
    expect(result.out).toEqual(['job ftjob-a cancelled', 'stopped because approval approval-h (training_halfway) was rejected by human']);
  });
});

describe('followJob and a question that is listed after its event', () => {
  it('waits for the question to be listed, then shows it', async () => {
    const asked = event('e3', 'Training paused at step 2 of 4: continue? (approval approval-h)', { data: { approval_id: 'approval-h' } });
    const fake = client([[asked, 'done']], 'succeeded', []);
    let listed = 0;
    fake.approvals = async () => (++listed < 3 ? [] : [pending]);
    const result = await follow(fake);
    expect(listed).toBeGreaterThanOrEqual(3);
    expect(result.err).toContain('  approve: tuneforge approve ftjob-a approval-h');
  });
});
