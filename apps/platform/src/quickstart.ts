import './instrument-embedded';
import { ALL_SERVICES } from './services';
import { startEmbeddedDeployment } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { WORKSPACE_ROOT } from './spawn-service';
import { makeTinyModel, registerTinyModel, TINY_MODEL_NAME, tinyModelDirUnder } from './tiny-base-model';

/**
 * `npm run quickstart`: the main job, end to end, on this machine alone. Creates a tiny random model on
 * the spot (tools/tiny-model, no torch), starts every service in this process (embedded mode), registers
 * that model, uploads a small ReAct tool-use dataset with the official OpenAI SDK, creates a fine-tuning
 * job (the halfway "continue?" and the after-evaluation "satisfactory?" questions answered by the
 * approval policy), follows its events to the end — training, then the base and the fine-tuned model
 * evaluated side by side in a ReAct loop — and prints where the fine-tuned model and the evaluation
 * report are.
 */
/** Reference 000's format: prompt/completion JSONL, tool steps ending at `\nObservation:`, answers as `Final Answer:`. */
const DATASET = join(WORKSPACE_ROOT, 'apps/platform/quickstart/react-tools.jsonl');
/** Held-out requests in the same format (other cities, other expressions): what the evaluation asks both models. */
const EVALUATION_SET = join(WORKSPACE_ROOT, 'apps/platform/quickstart/react-tools-eval.jsonl');
const API_KEY = 'tf-dev-key';
const TENANT = 'default';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** The tools the dataset's prompts offer; the evaluation runs both models in a ReAct loop with them. */
const QUICKSTART_TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'calculator', description: 'Evaluates an arithmetic expression', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } },
];

async function main(): Promise<void> {
  const artifactDir = resolve(process.env.TF_ARTIFACT_DIR ?? join('.tuneforge', `quickstart-${Date.now()}`));
  const env = { ...process.env, TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: artifactDir, TF_API_KEYS: `${API_KEY}:${TENANT}` };
  const store = createArtifactStoreFromEnv(env);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const modelDir = tinyModelDirUnder(artifactDir);
  say(`creating the tiny model in ${modelDir}`);
  makeTinyModel(modelDir);
  say(`registering it as base model ${TINY_MODEL_NAME}`);
  await registerTinyModel(store, TENANT, modelDir);

  const deployment = await startEmbeddedDeployment(ALL_SERVICES, {
    store,
    logger: createLogger('quickstart', { level: process.env.TF_LOG_LEVEL ?? 'warn' }),
    host: '127.0.0.1',
    basePort: Number(process.env.TF_HTTP_PORT ?? 0),
    env,
  });
  try {
    const gatewayUrl = deployment.apps.get('gateway')!.url;
    say(`Tuneforge is running in embedded mode; gateway at ${gatewayUrl}`);
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${gatewayUrl}/v1` });

    const file = await client.files.create({ file: createReadStream(DATASET), purpose: 'fine-tune' });
    say(`uploaded ${file.filename}: ${file.id} (${file.bytes} bytes)`);
    const evaluationFile = await client.files.create({ file: createReadStream(EVALUATION_SET), purpose: 'fine-tune' });
    say(`uploaded ${evaluationFile.filename}: ${evaluationFile.id} (${evaluationFile.bytes} bytes)`);
    const job = await client.fineTuning.jobs.create({
      model: TINY_MODEL_NAME,
      training_file: file.id,
      // A random 0.2M-parameter model learns the ReAct steps of two dozen samples in about 150 full
      // fine-tuning steps of four rows: seconds on two cores.
      hyperparameters: { n_epochs: 25, batch_size: 4 },
      // Tuneforge's extensions ride in the same request; the SDK passes unknown fields through.
      ...({
        tuneforge: {
          tools: QUICKSTART_TOOLS,
          approval_policy: { training_halfway: 'approve', after_evaluation: 'approve' },
          evaluation_file: evaluationFile.id,
          evaluation: { enabled: true, max_examples: 9 },
          config: {
            training: { method: 'full', learningRate: 0.003, schedule: 'constant', warmupRatio: 0, microBatchSize: 4 },
            // One ReAct step per row.
            data: { format: 'prompt-completion', packing: false },
            evaluation: { maxNewTokens: 48, agentTurnLimit: 2 },
          },
        },
      } as object),
    });
    say(`created ${job.id}; following its events`);

    const seen = new Set<string>();
    const printNewEvents = async () => {
      const events = await client.fineTuning.jobs.listEvents(job.id, { limit: 100 });
      for (const event of [...events.data].reverse()) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        say(`  ${new Date(event.created_at * 1000).toISOString().slice(11, 19)} ${event.message}`);
      }
    };
    let current = job;
    while (!TERMINAL.has(current.status)) {
      await printNewEvents();
      await new Promise((wait) => setTimeout(wait, 500));
      current = await client.fineTuning.jobs.retrieve(current.id);
    }
    await printNewEvents();
    say(`job ${current.id} ${current.status}`);
    if (current.status !== 'succeeded') {
      process.exitCode = 1;
      say(`error: ${JSON.stringify(current.error)}`);
      return;
    }
    say(`fine-tuned model: ${current.fine_tuned_model}`);
    say(`evaluation report: ${gatewayUrl}/v1/fine_tuning/jobs/${current.id}/report (while it runs), and in the artifacts`);
    say(`artifacts (merged model, PEFT adapter, checkpoints, evaluation report) under ${join(artifactDir, 'objects', 'tenants', TENANT)}`);
  } finally {
    await deployment.close();
  }
}

main().catch((error) => {
  process.stderr.write(`quickstart failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
