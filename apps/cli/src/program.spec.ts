import type { OpenAiFineTuningJob, TuneforgeJobApproval } from '@tuneforge/contracts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { APIError } from 'openai';
import type { ConnectionSettings } from './connection-settings';
import type { GatewayClient } from './gateway-client';
import { runCli } from './program';

const dir = mkdtempSync(join(tmpdir(), 'tf-cli-program-'));
const dataset = join(dir, 'train.jsonl');
writeFileSync(dataset, '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n');

function job(overrides: Partial<OpenAiFineTuningJob> = {}): OpenAiFineTuningJob {
  return {
    id: 'ftjob-abc',
    object: 'fine_tuning.job',
    created_at: 1_700_000_000,
    finished_at: null,
    model: 'tiny-llama',
    fine_tuned_model: null,
    organization_id: 'org',
    status: 'running',
    training_file: 'file-1',
    validation_file: null,
    hyperparameters: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' },
    result_files: [],
    trained_tokens: null,
    error: null,
    seed: 42,
    suffix: null,
    metadata: null,
    estimated_finish: null,
    integrations: [],
    status_details: null,
    ...overrides,
  };
}

function approval(overrides: Partial<TuneforgeJobApproval> = {}): TuneforgeJobApproval {
  return {
    id: 'approval-1',
    object: 'fine_tuning.job.approval',
    job_id: 'ftjob-abc',
    stage: 'training_halfway',
    question: 'Continue?',
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
    ...overrides,
  };
}

/** A stand-in for the gateway that records what the CLI asked of it. */
function fakeClient(overrides: Partial<Record<keyof GatewayClient, unknown>> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const record =
    (name: string, result: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      calls.push([name, ...args]);
      return result(...args);
    };
  const client = {
    uploadFile: record('uploadFile', () => ({ id: 'file-up1', bytes: 80, purpose: 'fine-tune', filename: 'train.jsonl', created_at: 1 })),
    createJob: record('createJob', () => job({ status: 'validating_files' })),
    retrieveJob: record('retrieveJob', () => job()),
    listJobs: record('listJobs', () => [job(), job({ id: 'ftjob-def', status: 'succeeded', fine_tuned_model: 'jobs/ftjob-def/merged' })]),
    listModels: record('listModels', () => [
      { id: 'tiny-llama', object: 'model', created: 1_700_000_000, owned_by: 'acme' },
      { id: 'ft:tiny-llama:acme::abcd1234', object: 'model', created: 1_700_000_100, owned_by: 'acme' },
    ]),
    listFiles: record('listFiles', () => [{ id: 'file-1', purpose: 'fine-tune', bytes: 10, created_at: 1_700_000_000, filename: 'a.jsonl' }]),
    approvals: record('approvals', () => [approval()]),
    answerApproval: record('answerApproval', (_job, id, answer) => approval({ id: id as string, status: 'answered', decision: (answer as { decision: 'approve' }).decision, answered_by: 'human' })),
    checkpoints: record('checkpoints', () => []),
    control: record('control', () => job()),
    ...overrides,
  };
  return { client: client as unknown as GatewayClient, calls };
}

async function run(argv: string[], client = fakeClient(), env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const settings: ConnectionSettings[] = [];
  const code = await runCli(argv, {
    io: { out: (l) => out.push(l), err: (l) => err.push(l), write: (t) => out.push(t), progressStream: process.stderr, input: Readable.from([]) },
    env,
    makeClient: (s) => {
      settings.push(s);
      return client.client;
    },
  });
  return { code, out: out.join('\n'), err: err.join('\n'), calls: client.calls, settings };
}

describe('tuneforge argument parsing and exit codes', () => {
  it('submit uploads a local training file, creates the job from the flags and prints its id', async () => {
    const result = await run(['submit', '--model', 'tiny-llama', '--training-file', dataset, '--epochs', '2', '--batch-size', '1', '--approval-policy', 'training_halfway=ask']);
    expect(result.code).toBe(0);
    expect(result.calls.map(([name]) => name)).toEqual(['uploadFile', 'createJob']);
    expect(result.calls[1][1]).toEqual({ model: 'tiny-llama', training_file: 'file-up1', hyperparameters: { n_epochs: 2, batch_size: 1 }, tuneforge: { approval_policy: { training_halfway: 'ask' } } });
    expect(result.out).toBe('ftjob-abc');
  });

  it('submit --method dpo --beta sends the method object', async () => {
    const result = await run(['submit', '--training-file', 'file-xyz', '--method', 'dpo', '--beta', '0.1', '--epochs', '3']);
    expect(result.code).toBe(0);
    expect(result.calls[0][1]).toMatchObject({ training_file: 'file-xyz', method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.1, n_epochs: 3 } } } });
    expect(result.calls[0][1]).not.toHaveProperty('hyperparameters');
  });

  it('a file id is used as it is', async () => {
    const result = await run(['submit', '--training-file', 'file-xyz']);
    expect(result.calls.map(([name]) => name)).toEqual(['createJob']);
    expect(result.calls[0][1]).toMatchObject({ training_file: 'file-xyz' });
  });

  it('usage errors exit 2 before anything is uploaded', async () => {
    const badConfig = join(dir, 'bad.json');
    writeFileSync(badConfig, JSON.stringify({ training: { epochs: 'three' } }));
    for (const argv of [
      ['submit', '--training-file', join(dir, 'missing.jsonl')],
      ['submit', '--training-file', dataset, '--config', badConfig],
      ['submit', '--training-file', dataset, '--epochs', 'abc'],
      ['submit', '--training-file', dataset, '--learning-rate-multiplier', '-1'],
      ['submit', '--training-file', dataset, '--method', 'dpo', '--beta', '0'],
      ['submit', '--training-file', dataset, '--method', 'reinforcement'],
      ['submit', '--training-file', dataset, '--beta', '0.1'],
      ['submit'],
      ['frobnicate'],
      ['approve', 'ftjob-abc', '--reject', '--edit', '{"a":1}'],
      ['approve', 'ftjob-abc', '--edit', 'not json'],
      ['list', 'models'],
      ['download', 'ftjob-abc', '--adapter', '--merged', '--out', dir],
      ['status', 'ftjob-abc', '--base-url', 'not a url'],
    ]) {
      const result = await run(argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.calls).toEqual([]);
    }
  });

  it('a bad config file names the field', async () => {
    const badConfig = join(dir, 'bad-epochs.json');
    writeFileSync(badConfig, JSON.stringify({ training: { epochs: 'three' } }));
    const result = await run(['submit', '--training-file', dataset, '--config', badConfig]);
    expect(result.err).toContain('training.epochs');
    expect(result.err).toContain(badConfig);
  });

  it('--help and --version exit 0; the help lists the exit codes', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes:');
    expect(help.out).toContain('5  connection error');
    expect((await run(['submit', '--help'])).out).toContain('6  the job was stopped because an approval was rejected');
    expect((await run(['--version'])).code).toBe(0);
  });

  it('connection settings: flags, then TUNEFORGE_* variables, then the embedded defaults', async () => {
    expect((await run(['status', 'ftjob-abc'])).settings).toEqual([{ baseUrl: 'http://127.0.0.1:8080/v1', apiKey: 'tf-dev-key' }]);
    const env = { TUNEFORGE_BASE_URL: 'http://gw:9000/v1/', TUNEFORGE_API_KEY: 'key-from-env' };
    expect((await run(['status', 'ftjob-abc'], fakeClient(), env)).settings).toEqual([{ baseUrl: 'http://gw:9000/v1', apiKey: 'key-from-env' }]);
    expect((await run(['--api-key', 'flag-key', 'status', 'ftjob-abc', '--base-url', 'https://h/v1'], fakeClient(), env)).settings).toEqual([{ baseUrl: 'https://h/v1', apiKey: 'flag-key' }]);
  });

  it('approve without an id answers the one pending question; --reject rejects', async () => {
    const approved = await run(['approve', 'ftjob-abc']);
    expect(approved.code).toBe(0);
    expect(approved.calls[1]).toEqual(['answerApproval', 'ftjob-abc', 'approval-1', { decision: 'approve' }]);
    const rejected = await run(['approve', 'ftjob-abc', 'approval-9', '--reject', '--comment', 'loss too high']);
    expect(rejected.calls).toEqual([['answerApproval', 'ftjob-abc', 'approval-9', { decision: 'reject', comment: 'loss too high' }]]);
    expect(rejected.out).toBe('approval-9 reject (training_halfway, answered by human)');
  });

  it('approve with nothing pending is exit 4; with several it asks for an id (exit 2)', async () => {
    const none = await run(['approve', 'ftjob-abc'], fakeClient({ approvals: async () => [approval({ status: 'answered', decision: 'approve' })] }));
    expect(none.code).toBe(4);
    expect(none.err).toContain('no pending approval');
    const several = await run(['approve', 'ftjob-abc'], fakeClient({ approvals: async () => [approval(), approval({ id: 'approval-2' })] }));
    expect(several.code).toBe(2);
    expect(several.err).toContain('approval-1 (training_halfway), approval-2');
  });

  it('status exits with the job\'s code and shows its error or model', async () => {
    const failed = await run(['status', 'ftjob-abc'], fakeClient({ retrieveJob: async () => job({ status: 'failed', error: { code: 'training_failed', message: 'NaN loss', param: null } }) }));
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('error:        NaN loss [training_failed]');
    const rejected = await run(['status', 'ftjob-abc'], fakeClient({ retrieveJob: async () => job({ status: 'cancelled' }), approvals: async () => [approval({ status: 'answered', decision: 'reject', answered_by: 'human' })] }));
    expect(rejected.code).toBe(6);
    const running = await run(['status', 'ftjob-abc']);
    expect(running.code).toBe(0);
    expect(running.out).toContain('tuneforge approve ftjob-abc approval-1 --reject');
  });

  it('an API error prints the envelope\'s message and param and exits 4', async () => {
    const notFound = APIError.generate(404, { error: { message: 'No such fine_tuning.job: ftjob-zzz', type: 'invalid_request_error', param: 'id', code: null } }, undefined, new Headers());
    const result = await run(['cancel', 'ftjob-zzz'], fakeClient({ control: async () => Promise.reject(notFound) }));
    expect(result.code).toBe(4);
    expect(result.err).toBe('tuneforge: HTTP 404: No such fine_tuning.job: ftjob-zzz (param: id)');
  });

  it('list prints one line per job or file, or JSON', async () => {
    const jobs = await run(['list']);
    expect(jobs.out.split('\n')).toEqual([expect.stringMatching(/^ftjob-abc\trunning\ttiny-llama\t2023-11-14T22:13:20Z\t-$/), expect.stringMatching(/^ftjob-def\tsucceeded\t.*\tjobs\/ftjob-def\/merged$/)]);
    const files = await run(['list', 'files', '--limit', '5', '--json']);
    expect(files.calls).toEqual([['listFiles', 5]]);
    expect(JSON.parse(files.out)).toEqual([expect.objectContaining({ id: 'file-1' })]);
  });

  it('models prints one line per model (base models, then ft: names), or JSON', async () => {
    const models = await run(['models']);
    expect(models.calls).toEqual([['listModels']]);
    expect(models.out.split('\n')).toEqual(['tiny-llama\tacme\t2023-11-14T22:13:20Z', 'ft:tiny-llama:acme::abcd1234\tacme\t2023-11-14T22:15:00Z']);
    expect(JSON.parse((await run(['models', '--json'])).out)).toEqual([expect.objectContaining({ id: 'tiny-llama' }), expect.objectContaining({ id: 'ft:tiny-llama:acme::abcd1234' })]);
  });
});

describe('tuneforge admin dlq', () => {
  const letter = { id: 'dl-7', topic: 'training.run.requested.v1', partition: 3, offset: '41', key: 'ftjob-1', group: 'trainer', service: 'trainer', reason: 'poison', error: 'its handler was started 3 times\nand never finished', attempts: 3, failed_at: 1_700_000_000, replayed_at: null, value: '{}' };

  it('list sends its filters and prints one line per dead letter; replay says where the message went', async () => {
    const queries: unknown[] = [];
    const listed = await run(['admin', 'dlq', 'list', '--topic', 'training.run.requested.v1', '--group', 'trainer', '--all', '--limit', '5'], fakeClient({ listDeadLetters: async (query: unknown) => (queries.push(query), [letter]) }));
    expect(listed.code).toBe(0);
    expect(queries).toEqual([{ topic: 'training.run.requested.v1', group: 'trainer', status: 'all', limit: 5 }]);
    expect(listed.out).toBe('dl-7\t2023-11-14T22:13:20Z\ttraining.run.requested.v1\t3/41\ttrainer\tpoison\t3\tpending\tits handler was started 3 times');
    const replayed = await run(['admin', 'dlq', 'replay', 'dl-7'], fakeClient({ replayDeadLetter: async (id: string) => ({ ...letter, id, replayed_at: 1_700_000_100 }) }));
    expect(replayed.out).toBe('dl-7 replayed 2023-11-14T22:15:00Z: training.run.requested.v1 3/41 sent again to trainer');
    const usage = await run(['admin', 'dlq', 'replay'], fakeClient({}));
    expect({ code: usage.code, calls: usage.calls }).toEqual({ code: 2, calls: [] });
  });
});

describe('tuneforge admin (keys and quotas)', () => {
  const key = { id: 'key-1', tenant: 'acme', name: 'ci', admin: false, key_hint: 'tf-AbCdE', created_at: 1_700_000_000, revoked_at: null };
  const quotaSet = {
    object: 'tenant.quotas',
    tenant: 'acme',
    concurrent_jobs: { limit: 2, override: 2, default: 4, usage: 1 },
    stored_bytes: { limit: 1000, override: null, default: 1000, usage: 10 },
    trained_tokens_per_day: { limit: null, override: null, default: null, usage: 0 },
  };
  const admin = () =>
    fakeClient({
      createApiKey: async (request: unknown) => ({ ...key, ...(request as object), key: 'tf-AbCdEsecret' }),
      listApiKeys: async () => [key, { ...key, id: 'key-2', admin: true, name: null, revoked_at: 1_700_000_100 }],
      revokeApiKey: async (id: string) => ({ ...key, id, revoked_at: 1_700_000_100 }),
      getQuotas: async () => quotaSet,
      setQuotas: async () => quotaSet,
    });

  it('keys create prints only the key on stdout; --admin and --name are sent', async () => {
    const calls: unknown[] = [];
    const client = admin();
    const created = await run(['admin', 'keys', 'create', '--tenant', 'acme', '--name', 'ci', '--admin'], {
      ...client,
      client: { ...client.client, createApiKey: async (request: unknown) => (calls.push(request), { ...key, admin: true, key: 'tf-AbCdEsecret' }) } as unknown as GatewayClient,
    });
    expect(created.code).toBe(0);
    expect(calls).toEqual([{ tenant: 'acme', name: 'ci', admin: true }]);
    expect(created.out).toBe('tf-AbCdEsecret');
    expect(created.err).toContain('shown only this once');
  });

  it('keys list prints one line per key, never a key; keys revoke says when', async () => {
    const listed = await run(['admin', 'keys', 'list', '--tenant', 'acme'], admin());
    expect(listed.out.split('\n')).toEqual(['key-1\tacme\ttf-AbCdE…\t-\tactive\t2023-11-14T22:13:20Z\tci', 'key-2\tacme\ttf-AbCdE…\tadmin\trevoked 2023-11-14T22:15:00Z\t2023-11-14T22:13:20Z\t-']);
    const revoked = await run(['admin', 'keys', 'revoke', 'key-9'], admin());
    expect(revoked.out).toBe('key-9 revoked 2023-11-14T22:15:00Z (tenant acme, tf-AbCdE…)');
  });

  it('quotas set sends numbers and `default` (null); get prints usage, limit and source', async () => {
    const sent: unknown[] = [];
    const client = admin();
    const set = await run(['admin', 'quotas', 'set', 'acme', '--concurrent-jobs', '2', '--stored-bytes', 'default'], {
      ...client,
      client: { ...client.client, setQuotas: async (tenant: string, limits: unknown) => (sent.push([tenant, limits]), quotaSet) } as unknown as GatewayClient,
    });
    expect(set.code).toBe(0);
    expect(sent).toEqual([['acme', { concurrent_jobs: 2, stored_bytes: null }]]);
    const got = await run(['admin', 'quotas', 'get', 'acme'], admin());
    expect(got.out.split('\n')).toEqual(['concurrent_jobs\t1\t2\ttenant', 'stored_bytes\t10\t1000\tdefault', 'trained_tokens_per_day\t0\tunlimited\t-']);
  });

  it('usage errors exit 2 without calling the gateway', async () => {
    for (const argv of [['admin', 'keys', 'create'], ['admin', 'keys', 'revoke'], ['admin', 'quotas', 'set', 'acme'], ['admin', 'quotas', 'set', 'acme', '--stored-bytes', '-1'], ['admin', 'quotas', 'get']]) {
      const result = await run(argv, admin());
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.calls).toEqual([]);
    }
  });

  it('a tenant key gets the gateway\'s 403 as exit 4 with its message', async () => {
    const denied = APIError.generate(403, { error: { message: 'This endpoint needs an admin key', type: 'permission_error', param: null, code: 'permission_denied' } }, undefined, new Headers());
    const result = await run(['admin', 'keys', 'list'], fakeClient({ listApiKeys: async () => Promise.reject(denied) }));
    expect(result.code).toBe(4);
    expect(result.err).toBe('tuneforge: HTTP 403: This endpoint needs an admin key');
  });
});
