import './instrument-embedded';
import { DEFAULT_BASE_MODEL, installDefaultModel } from '@tuneforge/model-import';
import { openDatabase } from '@tuneforge/database';
import { createArtifactStoreFromEnv, ModelRegistry } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { startEmbeddedPlatform } from './embedded-platform';
import { WORKSPACE_ROOT } from './spawn-service';

/**
 * `npm run quickstart`: the main job, end to end, on this machine alone. Fine-tunes the real default model,
 * SmolLM2-135M-Instruct (installed by `npm run setup`; installed here if it is not), with LoRA: starts every
 * service in this process (embedded mode), registers the model, uploads a small ReAct tool-use dataset with the official OpenAI SDK, creates a fine-tuning
 * job (the halfway "continue?" and the after-evaluation "satisfactory?" questions answered by the
 * approval policy), follows its events to the end — training, then the base and the fine-tuned model
 * evaluated side by side in a ReAct loop — prints where the fine-tuned model and the evaluation report
 * are, and ends by calling the tuned model through the gateway's inference endpoints (`callTunedModel`).
 */
/** Reference 000's format: prompt/completion JSONL, tool steps ending at `\nObservation:`, answers as `Final Answer:`. */
const DATASET = join(WORKSPACE_ROOT, 'apps/platform/quickstart/react-tools.jsonl');
/** Held-out requests in the same format (other cities, other expressions): what the evaluation asks both models. */
const EVALUATION_SET = join(WORKSPACE_ROOT, 'apps/platform/quickstart/react-tools-eval.jsonl');
const API_KEY = 'tf-dev-key';
const TENANT = 'default';
/** The tools the dataset's prompts offer; the evaluation runs both models in a ReAct loop with them. */
const QUICKSTART_TOOLS: OpenAI.Chat.ChatCompletionFunctionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'calculator', description: 'Evaluates an arithmetic expression', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } },
];

async function main(): Promise<void> {
  const artifactDir = resolve(process.env.TF_ARTIFACT_DIR ?? join('.tuneforge', `quickstart-${Date.now()}`));
  const env = {
    ...process.env,
    TF_STORAGE_DRIVER: 'filesystem',
    TF_ARTIFACT_DIR: artifactDir,
    TF_API_KEYS: `${API_KEY}:${TENANT}`,
    // The inference service's local copies of the models it serves, beside the rest of the quick start's files.
    TF_INFERENCE_MODEL_DIR: process.env.TF_INFERENCE_MODEL_DIR ?? join(artifactDir, 'inference-models'),
  };
  const store = createArtifactStoreFromEnv(env);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const python = execFileSync('bash', [join(WORKSPACE_ROOT, 'tools/ci/python-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const model = await installDefaultModel(python, say);
  say(`registering ${model.dir} as base model ${DEFAULT_BASE_MODEL.name}`);
  await new ModelRegistry(store.forTenant(TENANT), TENANT, undefined).addBaseModel(DEFAULT_BASE_MODEL.name, model.dir);

  // The metadata (jobs, files, events) in PGlite beside the artifacts: Postgres in this process, nothing to run.
  const database = await openDatabase(process.env.TF_DATABASE_URL ?? `pglite:${join(artifactDir, 'metadata')}`);
  const deployment = await startEmbeddedPlatform({
    store,
    database,
    logger: createLogger('quickstart', { level: process.env.TF_LOG_LEVEL ?? 'warn' }),
    host: '127.0.0.1',
    basePort: Number(process.env.TF_HTTP_PORT ?? 0),
    env,
  });
  try {
    const gatewayUrl = deployment.apps.get('gateway')!.url;
    say(`Tuneforge is running in embedded mode; gateway at ${gatewayUrl}`);
    say(`dashboard: ${gatewayUrl}/ (sign in with the API key ${API_KEY}; the job below shows up there live)`);
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${gatewayUrl}/v1` });

    const file = await client.files.create({ file: createReadStream(DATASET), purpose: 'fine-tune' });
    say(`uploaded ${file.filename}: ${file.id} (${file.bytes} bytes)`);
    const evaluationFile = await client.files.create({ file: createReadStream(EVALUATION_SET), purpose: 'fine-tune' });
    say(`uploaded ${evaluationFile.filename}: ${evaluationFile.id} (${evaluationFile.bytes} bytes)`);
    const job = await client.fineTuning.jobs.create({
      model: DEFAULT_BASE_MODEL.name,
      training_file: file.id,
      // LoRA on a 135M-parameter instruct model: four epochs of two dozen ReAct steps, 24 optimizer steps.
      hyperparameters: { n_epochs: 4, batch_size: 4 },
      // Tuneforge's extensions ride in the same request; the SDK passes unknown fields through.
      ...({
        tuneforge: {
          tools: QUICKSTART_TOOLS,
          approval_policy: { training_halfway: 'approve', after_evaluation: 'approve' },
          evaluation_file: evaluationFile.id,
          evaluation: { enabled: true, max_examples: 9 },
          config: {
            training: {
              method: 'lora',
              learningRate: 0.002,
              schedule: 'constant',
              warmupRatio: 0,
              microBatchSize: 4,
              lora: { rank: 16, alpha: 32, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
            },
            // One ReAct step per row.
            data: { format: 'prompt-completion', packing: false },
            evaluation: { maxNewTokens: 48, agentTurnLimit: 2 },
          },
        },
      } as object),
    });
    say(`created ${job.id}; following its events`);

    say(`following it with the CLI: npm run tuneforge -- follow ${job.id} --base-url ${gatewayUrl}/v1`);
    await followWithCli(gatewayUrl, job.id);
    const current = await client.fineTuning.jobs.retrieve(job.id);
    say(`job ${current.id} ended ${current.status}, ${Math.round(Date.now() / 1000 - job.created_at)} s after it was created`);
    if (current.status !== 'succeeded') {
      process.exitCode = 1;
      say(`error: ${JSON.stringify(current.error)}`);
      return;
    }
    await printEvaluation(gatewayUrl, current.id, say);
    say(`evaluation report: ${gatewayUrl}/v1/fine_tuning/jobs/${current.id}/report (while it runs), and in the artifacts`);
    say(`artifacts (merged model, PEFT adapter, checkpoints, evaluation report) under ${join(artifactDir, 'objects', 'tenants', TENANT)}`);
    await callTunedModel(client, current.fine_tuned_model!, say);
  } finally {
    await deployment.close();
    await database.close();
  }
}

/**
 * Uses the model just tuned, as a user of the OpenAI API does next: the official SDK through the gateway, on a
 * held-out request of the evaluation set, greedy (temperature 0) and short. Prints what came back as it came
 * back — a 0.2M-parameter model makes imperfect calls, and nothing here repairs them.
 *
 * - `chat.completions.create` with the quick start's tools: the request rendered with the model's chat template
 *   and the tools in its tool format; the answer is a tool call (name and arguments) or text, with its finish_reason.
 * - `completions.create` on the held-out ReAct prompt with `stop: ["\nObservation:"]`, as LangChain's ReAct agent
 *   drives a completion model: the Thought / Action / Action Input the model was tuned to write.
 */
async function callTunedModel(client: OpenAI, model: string, say: (line: string) => void): Promise<void> {
  const heldOut = JSON.parse(readFileSync(EVALUATION_SET, 'utf8').split('\n')[0]) as { prompt: string };
  const question = /New Input: (.*)$/m.exec(heldOut.prompt)![1];
  say(`calling ${model} through the gateway (held-out request: ${JSON.stringify(question)})`);

  const chat = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: question }],
    tools: QUICKSTART_TOOLS,
    temperature: 0,
    max_tokens: 48,
  });
  const choice = chat.choices[0];
  const calls = (choice.message.tool_calls ?? []).filter((call) => call.type === 'function');
  const answer = calls.length > 0 ? calls.map((call) => `tool call ${call.function.name}(${call.function.arguments})`).join(', ') : `text ${JSON.stringify(choice.message.content ?? '')}`;
  say(`  chat.completions with tools [${QUICKSTART_TOOLS.map((tool) => tool.function.name).join(', ')}]: finish_reason ${choice.finish_reason}, ${answer}`);

  const completion = await client.completions.create({ model, prompt: heldOut.prompt, stop: ['\nObservation:'], temperature: 0, max_tokens: 48 });
  const react = completion.choices[0];
  say(`  completions on the held-out ReAct prompt, stop "\\nObservation:": finish_reason ${react.finish_reason}, text:`);
  for (const line of react.text.split('\n')) say(`    | ${line}`);
}

/**
 * `tuneforge follow <job>` in a child process, as a user would run it: the job's events and, while it trains, a
 * progress bar (step, loss, tokens/s, ETA). Its exit code says how the job ended, which the caller reads back.
 */
function followWithCli(gatewayUrl: string, jobId: string): Promise<void> {
  const cli = join(WORKSPACE_ROOT, 'apps/cli/src/main.ts');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', cli, 'follow', jobId, '--base-url', `${gatewayUrl}/v1`, '--api-key', API_KEY], {
    cwd: WORKSPACE_ROOT,
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
}

/** Base against tuned on the held-out steps, from the job's last evaluated iteration (GET .../iterations). */
async function printEvaluation(gatewayUrl: string, jobId: string, say: (line: string) => void): Promise<void> {
  const response = await fetch(`${gatewayUrl}/v1/fine_tuning/jobs/${jobId}/iterations`, { headers: { authorization: `Bearer ${API_KEY}` } });
  const iterations = (await response.json()) as { data: Array<{ evaluation: { summary: { examples: number; base: { metrics: Record<string, number> }; tuned: { metrics: Record<string, number> } } } | null }> };
  const summary = iterations.data.map((i) => i.evaluation?.summary).filter((s) => s !== undefined).at(-1);
  if (!summary) return;
  const percent = (value: number | undefined) => (value === undefined ? '-' : `${(value * 100).toFixed(0)}%`);
  say(`evaluation on ${summary.examples} held-out ReAct steps (base → tuned):`);
  for (const metric of ['tool_selection_accuracy', 'argument_accuracy', 'format_validity', 'final_answer_accuracy'])
    say(`  ${metric.padEnd(24)} ${percent(summary.base.metrics[metric]).padStart(4)} → ${percent(summary.tuned.metrics[metric])}`);
}

main().catch((error) => {
  process.stderr.write(`quickstart failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
