import { createCalculatorTool, createFixtureTools, createHttpTool, createParser, PARSER_FORMATS, type AgentTool, type HttpToolSpec, type ParserFormat, type ToolFixture } from '@tuneforge/agents';
import type { PayloadOf, PodRunSpec, trainingRunProgressedV1 } from '@tuneforge/contracts';
import type { Message, ModelTokenizer, ToolDefinition } from '@tuneforge/datasets';
import { Model, type Trainer } from '@tuneforge/engine';
import { ServedAgentModel, ServedModel } from '@tuneforge/serving';
import { readFile } from 'node:fs/promises';
import { resolveGrpoConfig, type GrpoConfig, type ResolvedGrpoConfig } from './grpo-settings';
import { reinforcementEval, reinforcementStep, type GradeFunction, type ReinforcementContext, type ReinforcementEval, type ReinforcementStepResult, type ReinforcementTask } from './reinforcement-step';

type ReinforcementProgress = NonNullable<PayloadOf<typeof trainingRunProgressedV1>['reinforcement']>;

/** Sequences the policy decodes at once during rollouts (the serving scheduler's slots). */
const ROLLOUT_SLOTS = 32;

/**
 * The dataset lines of a reinforcement file (OpenAI's format): `messages` ending with a user message; every field of
 * the line, `messages` included, reaches the grader as `item`. A line's own `tools` (function definitions) and
 * `tool_fixtures` (canned answers, libs/agents' fixtures) join the episode's tools.
 */
export function parseReinforcementLines(text: string, file: string): ReinforcementTask[] {
  const tasks: ReinforcementTask[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch {
      throw new Error(`${file} line ${i + 1}: not JSON`);
    }
    const messages = (line as { messages?: unknown }).messages;
    if (!line || typeof line !== 'object' || !Array.isArray(messages) || messages.length === 0) throw new Error(`${file} line ${i + 1}: expected an object with messages`);
    if ((messages.at(-1) as { role?: unknown }).role !== 'user') throw new Error(`${file} line ${i + 1}: the last message must be a user message`);
    tasks.push({ messages: messages as Message[], item: line as Record<string, unknown> });
  });
  return tasks;
}

export async function readReinforcementFile(path: string, name: string): Promise<ReinforcementTask[]> {
  return parseReinforcementLines(await readFile(path, 'utf8'), name);
}

/** The run's GRPO settings: `training.grpo` when the config carries it, over the defaults and the job's compute multiplier. */
export function grpoSettingsOf(spec: PodRunSpec): ResolvedGrpoConfig {
  const training = spec.request.training;
  return resolveGrpoConfig(training.grpo, training.reinforcement?.computeMultiplier ?? 1);
}

/** HTTP tools the operator allows in rollouts, and the hosts they may reach (the pod's TF_ROLLOUT_HTTP_*). */
export interface RolloutHttpTools {
  tools: readonly HttpToolSpec[];
  allowedHosts: readonly string[];
}

/**
 * The episode's tools: the calculator, which computes; the line's own function tools, called over HTTP when the
 * operator allows an HTTP tool of that name, otherwise answered from the line's fixtures (a call no fixture answers
 * gets an error observation). A line cannot name a URL: only the operator's list reaches the network.
 */
export function toolsOf(http: RolloutHttpTools = { tools: [], allowedHosts: [] }): (task: ReinforcementTask) => () => AgentTool[] {
  // Checked once, when the run starts: a URL off the allowed hosts fails the run instead of every call.
  for (const spec of http.tools) createHttpTool(spec, { allowedHosts: http.allowedHosts });
  const allowed = new Map(http.tools.map((spec) => [spec.name, spec]));
  return (task) => {
    const definitions = (Array.isArray(task.item['tools']) ? (task.item['tools'] as ToolDefinition[]) : []).filter((d) => d.function?.name !== 'calculator');
    const fixtures = Array.isArray(task.item['tool_fixtures']) ? (task.item['tool_fixtures'] as ToolFixture[]) : [];
    const local = definitions.filter((d) => !allowed.has(d.function.name));
    const remote = definitions.filter((d) => allowed.has(d.function.name));
    return () => [
      createCalculatorTool(),
      ...createFixtureTools(local, fixtures.filter((f) => local.some((d) => d.function.name === f.tool))),
      ...remote.map((d) => createHttpTool({ ...allowed.get(d.function.name)!, ...(d.function.description !== undefined ? { description: d.function.description } : {}), ...(d.function.parameters !== undefined ? { parameters: d.function.parameters } : {}) }, { allowedHosts: http.allowedHosts })),
    ];
  };
}

export interface ReinforcementRunOptions {
  spec: PodRunSpec;
  model: Model;
  modelDir: string;
  tokenizer: ModelTokenizer;
  trainer: Trainer;
  train: ReinforcementTask[];
  validation: ReinforcementTask[];
  grade: GradeFunction;
  padTokenId: number;
  /** Overrides of the config's settings (tests). */
  settings?: GrpoConfig;
  /** The agent format of rollouts: `react` (a text prompt, ReAct steps) or the chat template's tool-call syntax (default). */
  format?: ParserFormat;
  httpTools?: RolloutHttpTools;
}

/**
 * A reinforcement run's side of the training loop (training-run.ts drives the steps, checkpoints and exports): the
 * policy served over the trainer's own model, the reference for a KL term, each step's rollouts and GRPO gradient,
 * and the held-out pass rate every `evalInterval` steps.
 */
export class ReinforcementRun {
  private constructor(
    private readonly options: ReinforcementRunOptions,
    private readonly served: ServedModel,
    private readonly reference: Model | undefined,
    readonly settings: ResolvedGrpoConfig,
    private readonly format: ParserFormat,
    private readonly tools: (task: ReinforcementTask) => () => AgentTool[],
  ) {}

  static async start(options: ReinforcementRunOptions): Promise<ReinforcementRun> {
    const settings = { ...grpoSettingsOf(options.spec), ...options.settings };
    const lora = options.spec.request.training.method === 'lora';
    const served = await ServedModel.overEngine(options.model, options.modelDir, { maxSequences: ROLLOUT_SLOTS, maxContext: options.spec.request.maxSequenceLength }, { tokenizer: options.tokenizer });
    // Full fine-tuning changes the weights themselves: a KL term needs the starting ones, loaded a second time.
    const reference = !lora && settings.beta > 0 ? await Model.load(options.modelDir) : undefined;
    const format = options.format ?? served.toolCallFormat;
    if (!PARSER_FORMATS.includes(format)) throw new Error(`unknown agent format ${format}`);
    try {
      return new ReinforcementRun(options, served, reference, settings, format, toolsOf(options.httpTools));
    } catch (error) {
      await served.dispose();
      reference?.dispose();
      throw error;
    }
  }

  private context(): ReinforcementContext {
    const o = this.options;
    return {
      trainer: o.trainer,
      policy: this.policy(),
      ...(this.reference ? { reference: this.reference } : {}),
      lora: o.spec.request.training.method === 'lora',
      grade: o.grade,
      rollout: { parser: createParser(this.format), ...(this.served.endOfSequenceIds.length === 1 ? { endOfSequenceId: this.served.endOfSequenceIds[0] } : {}) },
      toolsOf: this.tools,
      settings: this.settings,
      microBatchSamples: o.spec.request.training.microBatchSize,
      padTokenId: o.padTokenId,
    };
  }

  /** The served policy, with what it needs to end an episode that outgrew the context instead of failing. */
  private policy() {
    const agent = new ServedAgentModel(this.served, { maxNewTokens: this.settings.maxNewTokens });
    return { generate: agent.generate.bind(agent), encode: agent.encode.bind(agent), maxContext: this.served.maxContext };
  }

  /** The GRPO gradient of the step's prompts (`indices` into the training tasks); the caller steps the optimizer. */
  async step(indices: readonly number[], step: number): Promise<ReinforcementStepResult> {
    const tasks = indices.map((i) => this.options.train[i]);
    return reinforcementStep(this.context(), tasks, this.options.spec.request.training.seed * 1_000_003 + step * 7919);
  }

  /** Whether `step` measures the validation pass rate: every evalInterval steps, and at the last. */
  evaluatesAt(step: number, totalSteps: number): boolean {
    const interval = this.options.spec.request.training.reinforcement?.evalInterval ?? 10;
    return this.options.validation.length > 0 && (step % interval === 0 || step === totalSteps);
  }

  /** The pass rate of the first evalSamples validation tasks, one greedy episode each. */
  async evaluate(tasks: readonly ReinforcementTask[] = this.validationTasks()): Promise<ReinforcementEval | undefined> {
    if (tasks.length === 0) return undefined;
    return reinforcementEval(this.context(), tasks);
  }

  private validationTasks(): ReinforcementTask[] {
    const samples = this.options.spec.request.training.reinforcement?.evalSamples ?? 16;
    return this.options.validation.slice(0, samples);
  }

  progress(result: ReinforcementStepResult, evaluation?: ReinforcementEval): ReinforcementProgress {
    return {
      rewardMean: result.rewardMean,
      rewardStd: result.rewardStd,
      kl: result.metrics.kl,
      clipRatio: result.metrics.clipRatio,
      zeroStdGroups: result.zeroStdGroups,
      groups: Math.round(result.metrics.samples / this.settings.numChains) || 1,
      meanGeneratedTokens: result.meanGeneratedTokens,
      truncatedShare: result.truncatedShare,
      ...(evaluation ? { validRewardMean: evaluation.rewardMean, validPassRate: evaluation.passRate } : {}),
    };
  }

  async dispose(): Promise<void> {
    await this.served.dispose();
    this.reference?.dispose();
  }
}
