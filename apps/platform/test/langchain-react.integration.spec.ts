import { FilesystemArtifactStore } from '@tuneforge/storage';
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from '../src/spawn-service';
import { startDeployment, type RunningDeployment } from './deployment';
import { clientOf, followToEnd, registerTinyModel, type ScenarioTarget } from './fine-tuning-scenario';

const TENANT = 'langchain-react';
const KEY = 'langchain-react-key';
/** LangChain's ReAct agent with one tool (tools/agents): writes its training rows, runs it against a served model. */
const AGENT = join(WORKSPACE_ROOT, 'tools/agents/langchain_react_agent.py');
/** The job those rows are tuned with (full fine-tuning of the tiny model; `tuneforge submit --config` takes the same file). */
const JOB_CONFIG = join(WORKSPACE_ROOT, 'tools/agents/react-weather-job.json');

interface ToolCall {
  tool: string;
  tool_input: string;
  observation: string;
  log: string;
}
interface AgentRun {
  question: string;
  tool_calls?: ToolCall[];
  output?: string;
  error?: string;
}

/**
 * Issue #15's LangChain acceptance: LangChain's own ReAct agent (`create_react_agent`, the classic ReAct prompt, an
 * `AgentExecutor`, `langchain_openai.OpenAI` on the gateway's /v1/completions) completes held-out tasks that need its
 * tool, against the tiny model tuned on the agent's prompt format and served by the platform.
 */
describe('a LangChain ReAct agent on the served tuned model, embedded mode', () => {
  let deployment: RunningDeployment;
  let python: string;

  beforeAll(async () => {
    // The tools venv (LangChain pinned in tools/tiny-model/requirements.txt); installs once, when they change.
    python = execFileSync('bash', [join(WORKSPACE_ROOT, 'tools/ci/python-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const dir = mkdtempSync(join(tmpdir(), 'tf-langchain-'));
    await registerTinyModel(new FilesystemArtifactStore(dir), TENANT);
    deployment = await startDeployment('embedded', 31_000 + (process.pid % 500) * 10, {
      TF_STORAGE_DRIVER: 'filesystem',
      TF_ARTIFACT_DIR: dir,
      TF_INFERENCE_MODEL_DIR: join(dir, 'inference-models'),
      TF_API_KEYS: `${KEY}:${TENANT}`,
      TF_RATE_LIMIT_PER_MINUTE: '100000',
      TF_LOG_LEVEL: 'warn',
    });
  }, 180_000);

  afterAll(async () => {
    expect(await deployment?.stop()).toEqual([0]);
  }, 60_000);

  it('tuned on the agent’s own ReAct steps, the tiny model makes LangChain call the weather tool with the asked city and answer with its result', async () => {
    const started = Date.now();
    const target: ScenarioTarget = { gatewayUrl: deployment.gatewayUrl, apiKey: KEY, otherApiKey: KEY };
    try {
      // The training rows: what LangChain's agent sends its LLM (recorded from the agent itself) and the ReAct step a
      // model should answer, reference 000's prompt/completion format, tool steps ending at "\nObservation:".
      const data = join(mkdtempSync(join(tmpdir(), 'tf-langchain-data-')), 'react-weather.jsonl');
      execFileSync(python, [AGENT, 'dataset', '--out', data], { stdio: ['ignore', 'ignore', 'inherit'] });
      const rows = readFileSync(data, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { prompt: string; completion: string });
      const whole = rows.filter((row) => row.prompt.startsWith('Answer the following questions as best you can. You have access to the following tools:\n\nget_weather('));
      expect(whole.length).toBeGreaterThan(50);
      expect(whole.every((row) => row.prompt.includes('\nBegin!\n\nQuestion: ') && /\nThought: ?$/.test(row.prompt))).toBe(true);
      expect(whole.filter((row) => /^ I need the weather in (\w+)\.\nAction: get_weather\nAction Input: \1\nObservation:$/.test(row.completion)).length).toBe(whole.length / 2);
      expect(whole.filter((row) => /^I now know the final answer\nFinal Answer: It is \w+ in \w+\.$/.test(row.completion)).length).toBe(whole.length / 2);

      const client = clientOf(target);
      const file = await client.files.create({ file: createReadStream(data), purpose: 'fine-tune' });
      const created = await client.fineTuning.jobs.create({
        model: 'tiny-llama',
        training_file: file.id,
        ...({ tuneforge: { config: JSON.parse(readFileSync(JOB_CONFIG, 'utf8')) as object, iteration_budget: 1 } } as object),
      });
      const { job } = await followToEnd(target, created.id, 180_000);
      if (job.status !== 'succeeded') throw new Error(`expected the job to succeed: ${JSON.stringify(job)}`);
      const tuned = `${(Date.now() - started) / 1000} s`;

      // The agent, greedy, on the questions held out of the training rows, through the gateway with the tenant's key.
      const { stdout } = await promisify(execFile)(python, [AGENT, 'run', '--base-url', `${deployment.gatewayUrl}/v1`, '--api-key', KEY, '--model', job.fine_tuned_model!], { timeout: 120_000 }).catch(
        (error: { stdout?: string; stderr?: string; message: string }) => {
          if (error.stdout) return { stdout: error.stdout };
          throw new Error(`the agent script failed: ${error.message}\n${error.stderr ?? ''}`);
        },
      );
      const result = JSON.parse(stdout) as { model: string; runs: AgentRun[] };
      process.stdout.write(`langchain: tuned in ${tuned}, agent done at ${(Date.now() - started) / 1000} s\n${JSON.stringify(result, null, 1)}\n`);
      expect(result.model).toBe(job.fine_tuned_model);
      expect(result.runs.length).toBeGreaterThanOrEqual(2);
      for (const run of result.runs) {
        expect(rows.some((row) => `\n${row.prompt}`.includes(`\nQuestion: ${run.question}\n`))).toBe(false);
        const city = /in (\w+)[?.]$/.exec(run.question)![1];
        // One call of the tool with the city asked about, whose answer is a report (the tool knows the city)...
        expect(run).toMatchObject({ tool_calls: [{ tool: 'get_weather', tool_input: city }] });
        const { observation } = run.tool_calls![0];
        expect(observation).toMatch(/^[a-z]+$/);
        // ...and a final answer that carries the tool's result: read from the observation, not guessed.
        expect(run.output).toContain(observation);
      }
      // The held-out questions' weather differs, so one constant answer could not pass.
      expect(new Set(result.runs.map((run) => run.tool_calls![0].observation)).size).toBeGreaterThan(1);
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- deployment output ---\n${deployment.output().slice(-6000)}`);
    }
  }, 300_000);
});
