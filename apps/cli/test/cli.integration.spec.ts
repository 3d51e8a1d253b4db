import { fineTunedModelName, MODEL_ARTIFACT_KIND, modelArtifactPrefix } from '@tuneforge/contracts';
import { service as datagen } from '@tuneforge/datagen';
import { service as gateway } from '@tuneforge/gateway';
import { service as inference } from '@tuneforge/inference';
import { service as orchestrator } from '@tuneforge/orchestrator';
import { startEmbeddedDeployment, type EmbeddedDeployment } from '@tuneforge/service-kit';
import { TinyGgufFixtures } from '@tuneforge/model-import/src/testing/tiny-gguf-fixtures';
import { commitLocalDirectory, DatabaseModelRecords, FilesystemArtifactStore, ModelRegistry, openArtifact } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { service as trainer } from '@tuneforge/trainer';
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { runCli, startCli } from './cli-process';

const TINY_MODEL_DIR = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');
const FIXTURES = resolve(__dirname, '../../trainer/test/fixtures');
const API_KEY = 'cli-test-key';
const TENANT = 'cli-tenant';

/**
 * The `tuneforge` CLI as a user runs it, in child processes, against the gateway of an embedded deployment
 * (gateway + orchestrator + datagen + trainer, in-process bus, filesystem store, the tiny model; the inference
 * service beside it, the gateway routing chat completions to it): upload, submit --follow with the halfway
 * question asked, the question shown, answered by `tuneforge approve` in another process, follow ending 0 with
 * the model's location; a chat with the tiny model; then the errors scripts rely on.
 */
describe('tuneforge CLI against an embedded deployment', () => {
  let serving: EmbeddedDeployment;
  let deployment: EmbeddedDeployment;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let work: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tf-cli-it-'));
    work = mkdtempSync(join(tmpdir(), 'tf-cli-work-'));
    const store = new FilesystemArtifactStore(dir);
    await commitLocalDirectory(store.forTenant(TENANT), modelArtifactPrefix('tiny-llama'), TINY_MODEL_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
    const logger = createLogger('cli-test', { level: 'warn' });
    // The inference service first, on any free port, so that the gateway can be given its URL (as the platform does).
    serving = await startEmbeddedDeployment([inference], {
      store,
      logger,
      host: '127.0.0.1',
      basePort: 0,
      env: { TF_INFERENCE_MODEL_DIR: mkdtempSync(join(tmpdir(), 'tf-cli-models-')), TF_INFERENCE_THREADS: '1' },
    });
    // One metadata database for both (the inference service resolves the models the orchestrator names).
    deployment = await startEmbeddedDeployment([gateway, orchestrator, datagen, trainer], {
      store,
      database: serving.database,
      logger,
      host: '127.0.0.1',
      basePort: 0,
      env: {
        TF_API_KEYS: `${API_KEY}:${TENANT}`,
        TF_INFERENCE_URL: serving.apps.get('inference')!.url,
        TF_RATE_LIMIT_PER_MINUTE: '100000',
        TF_TRAIN_POD_THREADS: '1',
        TF_TRAIN_POD_LOGS: 'false',
        TF_TRAIN_POD_ENV: JSON.stringify({ TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: dir }),
      },
    });
    env = { TUNEFORGE_BASE_URL: `${deployment.apps.get('gateway')!.url}/v1`, TUNEFORGE_API_KEY: API_KEY };
    // A small job: one iteration, no evaluation; the halfway question is the only one asked.
    writeFileSync(join(work, 'job.json'), JSON.stringify({ iterations: { max: 1 }, evaluation: { enabled: false } }));
  });

  afterAll(async () => {
    await deployment?.close();
    await serving?.close();
  });

  it('upload → submit --follow (halfway question shown) → approve in another process → exit 0 with the model location', async () => {
    const upload = await runCli(['upload', join(FIXTURES, 'train.jsonl')], env);
    expect(upload).toMatchObject({ code: 0, stderr: expect.stringContaining('uploaded train.jsonl as file-') });
    const trainingFile = upload.stdout.trim();
    expect(trainingFile).toMatch(/^file-[A-Za-z0-9]+$/);
    expect((await runCli(['list', 'files'], env)).stdout).toContain(trainingFile);

    // The validation file is a local path: submit uploads it first.
    const follow = startCli(
      [
        'submit', '--model', 'tiny-llama', '--training-file', trainingFile, '--validation-file', join(FIXTURES, 'validation.jsonl'),
        '--config', join(work, 'job.json'), '--epochs', '6', '--batch-size', '1', '--learning-rate-multiplier', '10',
        '--approval-policy', 'training_halfway=ask', '--follow',
      ],
      env,
    );
    const [, jobId, approvalId] = await follow.waitFor(/reject: +tuneforge approve (ftjob-[a-z0-9]+) (approval-[A-Za-z0-9_-]+) --reject/);
    const shown = await follow.waitFor(/APPROVAL NEEDED \(training_halfway, approval-[^)]+\): (Training reached step \d+ of \d+ .*Continue\?)/);
    expect(shown[1]).toMatch(/loss \d+\.\d{4}/);

    const status = await runCli(['status', jobId], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/status: +running/);
    expect(status.stdout).toContain(`tuneforge approve ${jobId} ${approvalId}`);

    // Answered from another process, naming no approval: the one pending is answered.
    const approve = await runCli(['approve', jobId], env);
    expect(approve).toMatchObject({ code: 0, stdout: `${approvalId} approve (training_halfway, answered by human)\n` });

    const done = await follow.done;
    if (done.code !== 0) throw new Error(`follow ended ${done.code}:\n${done.stdout}\n${done.stderr}`);
    const lines = done.stdout.trim().split('\n');
    expect(lines[0]).toBe(jobId);
    expect(lines).toContain(`job ${jobId} succeeded`);
    const model = /^fine-tuned model: (ft:\S+)$/m.exec(done.stdout)?.[1];
    expect(model).toBe(fineTunedModelName({ base: 'tiny-llama', owner: TENANT, jobId }));
    const named = await new ModelRegistry(new FilesystemArtifactStore(dir).forTenant(TENANT), TENANT, new DatabaseModelRecords(deployment.database!)).resolve(model!);
    expect(named?.artifact).toMatch(new RegExp(`^jobs/${jobId}/training/run-[0-9a-f]+/merged$`));
    expect((await openArtifact(new FilesystemArtifactStore(dir).forTenant(TENANT), named!.artifact)).manifest.kind).toBe('model');
    // Progress: step/total with live loss, tokens/s and ETA (stderr is not a terminal here: one line per step).
    const steps = [...done.stderr.matchAll(/^step (\d+)\/(\d+)  loss (\d+\.\d{4})  ([\d.]+) tok\/s  ETA (\S+)$/gm)];
    expect(steps.length).toBeGreaterThan(2);
    const total = Number(steps[0][2]);
    const numbers = steps.map((step) => Number(step[1]));
    expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
    // Past the halfway question: training went on after the approval. (The last step's event may be projected
    // after the job's final status, so the stream is not guaranteed to carry it.)
    expect(Math.max(...numbers) * 2).toBeGreaterThan(total);
    expect(steps.every((step) => Number(step[2]) === total)).toBe(true);
    expect(done.stderr).toContain('Continuing was approved by a human');
    expect(done.stderr).toMatch(/uploaded validation\.jsonl as file-/);

    // Following a job that has ended replays it and exits with its code at once.
    const again = await runCli(['follow', jobId], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`fine-tuned model: ${model}`);
    // The tuned model is listed beside its base.
    const models = await runCli(['models'], env);
    expect(models.code).toBe(0);
    expect(models.stdout.split('\n').map((line) => line.split('\t')[0])).toEqual(expect.arrayContaining(['tiny-llama', model]));

    // The merged model downloads, every file matching the sha256 the artifact lists.
    const out = join(work, 'merged');
    const download = await runCli(['download', jobId, '--out', out], env);
    expect(download.code).toBe(0);
    const manifest = (await openArtifact(new FilesystemArtifactStore(dir).forTenant(TENANT), named!.artifact)).manifest;
    expect(readdirSync(out, { recursive: true }).length).toBeGreaterThanOrEqual(manifest.files.length);
    for (const file of manifest.files) expect(createHash('sha256').update(readFileSync(join(out, file.path))).digest('hex')).toBe(file.sha256);
    // And as GGUF for llama.cpp and Ollama: the F16 file (its magic) and a Modelfile naming it.
    const ggufOut = join(work, 'gguf');
    expect((await runCli(['download', jobId, '--gguf', '--out', ggufOut], env)).code).toBe(0);
    expect(readFileSync(join(ggufOut, 'model-f16.gguf')).subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(readFileSync(join(ggufOut, 'Modelfile'), 'utf8')).toContain('FROM ./model-f16.gguf');

    const listed = await runCli(['list', 'jobs'], env);
    expect(listed.stdout).toMatch(new RegExp(`^${jobId}\\tsucceeded\\ttiny-llama\\t\\S+\\t${model}$`, 'm'));
  });

  it('chat streams the tiny model\'s replies turn by turn, keeping the conversation, through the gateway', async () => {
    const sdk = new OpenAI({ apiKey: API_KEY, baseURL: env.TUNEFORGE_BASE_URL, maxRetries: 0 });
    const settings = { model: 'tiny-llama', temperature: 0, max_tokens: 12 } as const;
    const system = 'You are a helpful assistant.';

    // Two turns piped in (stdin is not a terminal: no prompts), then end of input.
    const chat = await runCli(['chat', 'tiny-llama', '--system', system, '--temperature', '0', '--max-tokens', '12'], env, 'Hello there\nAnd then?\n');
    expect(chat.code).toBe(0);
    // What it streamed is what the same conversation gets whole from the SDK at temperature 0: the second turn was
    // asked with the first turn and the model's first reply before it.
    const first = await sdk.chat.completions.create({ ...settings, messages: [{ role: 'system', content: system }, { role: 'user', content: 'Hello there' }] });
    const firstText = first.choices[0].message.content ?? '';
    const second = await sdk.chat.completions.create({
      ...settings,
      messages: [{ role: 'system', content: system }, { role: 'user', content: 'Hello there' }, { role: 'assistant', content: firstText }, { role: 'user', content: 'And then?' }],
    });
    expect(chat.stdout).toBe(`${firstText}\n${second.choices[0].message.content ?? ''}\n`);
    // A reply cut at --max-tokens says so on stderr (a random model rarely ends on its own); nothing else is written there.
    const cut = [first, second].filter((reply) => reply.choices[0].finish_reason === 'length').map(() => '(the reply reached the token limit)\n');
    expect(chat.stderr).toBe(cut.join(''));

    // With --tools the tools are offered; whatever the random tiny model answers (text or a call) is printed as the SDK sees it.
    const toolsFile = join(work, 'tools.json');
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    writeFileSync(toolsFile, JSON.stringify(tools));
    const withTools = await runCli(['chat', 'tiny-llama', '--tools', toolsFile, '--temperature', '0', '--max-tokens', '12'], env, 'Weather in Paris?\n/exit\nnot sent\n');
    expect(withTools.code).toBe(0);
    const whole = (await sdk.chat.completions.create({ ...settings, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] })).choices[0].message;
    const calls = (whole.tool_calls ?? []).map((call) => (call.type === 'function' ? `tool call: ${call.function.name}(${call.function.arguments})\n` : ''));
    const text = whole.content ?? '';
    expect(withTools.stdout).toBe(`${text !== '' || calls.length === 0 ? `${text}\n` : ''}${calls.join('')}`);

    // An unknown model is the API's 404 naming the param: exit 4.
    const unknown = await runCli(['chat', 'ft:tiny-llama:nobody::00000000'], env, 'hi\n');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^tuneforge: HTTP 404: .*ft:tiny-llama:nobody::00000000.* \(param: model\)$/m);
  });

  it('a rejected halfway question ends follow with exit 6', async () => {
    const follow = startCli(['submit', '--training-file', join(FIXTURES, 'train.jsonl'), '--config', join(work, 'job.json'), '--epochs', '6', '--batch-size', '1', '--approval-policy', 'training_halfway=ask', '--follow'], env);
    const [, jobId, approvalId] = await follow.waitFor(/reject: +tuneforge approve (ftjob-[a-z0-9]+) (approval-[A-Za-z0-9_-]+) --reject/);
    expect(await runCli(['approve', jobId, approvalId, '--reject', '--comment', 'enough'], env)).toMatchObject({ code: 0, stdout: `${approvalId} reject (training_halfway, answered by human)\n` });
    const done = await follow.done;
    expect({ code: done.code, stdout: done.stdout }).toEqual({ code: 6, stdout: expect.stringContaining(`job ${jobId} cancelled`) });
    expect(done.stdout).toContain(`stopped because approval ${approvalId} (training_halfway) was rejected by human`);
    expect((await runCli(['status', jobId], env)).code).toBe(6);
  });

  it('models add registers a GGUF file and a model directory as base models, and a bad file exits 4 (refused) naming file and field', async () => {
    const fixtures = new TinyGgufFixtures();
    try {
      const gguf = await runCli(['models', 'add', fixtures.gguf('tiny-q4', 'Q4_1')], env);
      expect(gguf).toMatchObject({ code: 0, stdout: 'tiny-q4\tLlamaForCausalLM\t154,112 parameters\tfrom gguf\n' });
      const directory = await runCli(['models', 'add', fixtures.model, '--name', 'tiny-smollm-hf', '--json'], env);
      expect(directory.code).toBe(0);
      expect(JSON.parse(directory.stdout)).toMatchObject({ id: 'tiny-smollm-hf', owned_by: TENANT, tuneforge: { source: 'huggingface', parameters: 154112 } });
      const listed = (await runCli(['models'], env)).stdout.split('\n').map((line) => line.split('\t')[0]);
      expect(listed).toEqual(expect.arrayContaining(['tiny-q4', 'tiny-smollm-hf']));

      const bad = await runCli(['models', 'add', fixtures.gguf('no-v', 'Q8_0', ['--drop-tensor', 'blk.0.attn_v.weight'])], env);
      expect(bad.code).toBe(4);
      expect(bad.stderr).toMatch(/HTTP 400: no-v\.gguf: tensor blk\.0\.attn_v\.weight: missing/);
      expect((await runCli(['models'], env)).stdout).not.toMatch(/^no-v\t/m);
      expect((await runCli(['models', 'add', join(work, 'nothing-here')], env)).code).toBe(2);
    } finally {
      rmSync(fixtures.dir, { recursive: true, force: true });
    }
  });

  it('a bad config file exits 2 naming the field, and creates nothing', async () => {
    const before = (await runCli(['list', 'jobs', '--json'], env)).stdout;
    writeFileSync(join(work, 'bad.json'), JSON.stringify({ training: { epochs: 0, lora: { rank: 4 } } }));
    const bad = await runCli(['submit', '--model', 'tiny-llama', '--training-file', join(FIXTURES, 'train.jsonl'), '--config', join(work, 'bad.json')], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(join(work, 'bad.json'));
    expect(bad.stderr).toMatch(/training\.epochs: .*>=1/);
    expect(bad.stdout).toBe('');
    expect((await runCli(['list', 'jobs', '--json'], env)).stdout).toBe(before);
  });

  it('errors scripts can tell apart: unknown job 4, an unknown model named by param, bad key 4, no gateway 5 (chat too)', async () => {
    const unknown = await runCli(['status', 'ftjob-doesnotexist'], env);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^tuneforge: HTTP 404: .*ftjob-doesnotexist/m);
    expect((await runCli(['follow', 'ftjob-doesnotexist'], env)).code).toBe(4);
    expect((await runCli(['approve', 'ftjob-doesnotexist', '--reject'], env)).code).toBe(4);

    const model = await runCli(['submit', '--model', 'no-such-model', '--training-file', join(FIXTURES, 'train.jsonl')], env);
    expect(model.code).toBe(4);
    expect(model.stderr).toMatch(/HTTP 404: .*no-such-model.* \(param: model\)/);

    const key = await runCli(['list'], { ...env, TUNEFORGE_API_KEY: 'not-a-valid-key' });
    expect(key.code).toBe(4);
    expect(key.stderr).toMatch(/HTTP 401/);

    // A port nothing listens on: taken, then released.
    const closed = await new Promise<number>((resolvePort) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolvePort(port));
      });
    });
    const offline = await runCli(['--base-url', `http://127.0.0.1:${closed}/v1`, 'list'], env);
    expect(offline.code).toBe(5);
    expect(offline.stderr).toContain(`cannot reach the gateway at http://127.0.0.1:${closed}/v1: ECONNREFUSED`);
    const offlineChat = await runCli(['--base-url', `http://127.0.0.1:${closed}/v1`, 'chat', 'tiny-llama'], env, 'hi\n');
    expect(offlineChat.code).toBe(5);
    expect(offlineChat.stderr).toContain(`cannot reach the gateway at http://127.0.0.1:${closed}/v1: ECONNREFUSED`);
  });
});
