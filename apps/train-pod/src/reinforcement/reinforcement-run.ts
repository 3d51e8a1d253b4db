import { createParser, episodeTools, PARSER_FORMATS, type AgentTool, type OperatorHttpTools, type ParserFormat } from '@tuneforge/agents';
import type { PayloadOf, PodRunSpec, trainingRunProgressedV1 } from '@tuneforge/contracts';
import type { Message, ModelTokenizer } from '@tuneforge/datasets';
import { Model, type Trainer } from '@tuneforge/engine';
import { ServedAgentModel, ServedModel } from '@tuneforge/serving';
import { loadSearchFunction } from '@tuneforge/retrieval-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import { readFile } from 'node:fs/promises';
import { runPrefix } from '../training/run-keys';
import { recordsStep, rolloutRecords, writeRollouts } from './rollout-log';
import { resolveGrpoConfig, type GrpoConfig, type ResolvedGrpoConfig } from './grpo-settings';
import { reinforcementEval, rollOutBatch, trainOnBatch, type GradeFunction, type RolloutBatch, type ReinforcementContext, type ReinforcementEval, type ReinforcementStepResult, type ReinforcementTask } from './reinforcement-step';

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

/**
 * The tools of a task's episodes (libs/agents' episodeTools): the calculator, the line's fixture tools, the operator's
 * HTTP tools, and, when the job has a retrieval index, a `search` tool over its documents.
 */
export async function rolloutTools(options: Pick<ReinforcementRunOptions, 'spec' | 'store' | 'httpTools'>): Promise<(task: ReinforcementTask) => () => AgentTool[]> {
  const index = options.spec.request.retrievalIndex;
  if (index && !options.store) throw new Error('a run with a retrieval index needs the store to read it from');
  const search = index ? await loadSearchFunction(options.store!, index) : undefined;
  const tools = episodeTools({ ...(options.httpTools ? { http: options.httpTools } : {}), ...(search ? { search } : {}) });
  return (task) => tools(task.item);
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
  /** Where the step's rollouts are recorded (`rollouts/step-<n>.jsonl` under the run's prefix); absent: not recorded. */
  store?: ArtifactStore;
  /** HTTP tools the operator allows in rollouts, and the hosts they may reach (the pod's TF_ROLLOUT_HTTP_*). */
  httpTools?: OperatorHttpTools;
}

/**
 * A reinforcement run's side of the training loop (training-run.ts drives the steps, checkpoints and exports): the
 * policy served over the trainer's own model, the reference for a KL term, each step's rollouts and GRPO gradient,
 * and the held-out pass rate every `evalInterval` steps.
 */
export class ReinforcementRun {
  /** The batch of rollouts the current steps train on (numIterations updates each). */
  private batch: { index: number; value: RolloutBatch } | undefined;

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
      return new ReinforcementRun(options, served, reference, settings, format, await rolloutTools(options));
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

  /** Where the run's rollouts are recorded, when they are (the training result's `artifacts.rollouts`). */
  get rolloutsPrefix(): string | undefined {
    return this.options.store ? `${runPrefix(this.options.spec.request)}/rollouts` : undefined;
  }

  /**
   * The GRPO gradient of the step's prompts (`indices` into the training tasks); the caller steps the optimizer. With
   * `numIterations` μ > 1 the plan gives μ consecutive steps the same prompts: the first rolls them out, the others
   * train again on that batch. A pod resumed inside such a run of steps rolls the batch out anew (the batch is not
   * checkpointed; the seed is the batch's, the policy the resumed one). The first step of a batch records its
   * rollouts for the evaluation report, on at most RECORDED_STEPS steps of the run's `totalSteps`.
   */
  async step(indices: readonly number[], step: number, totalSteps: number): Promise<ReinforcementStepResult> {
    const batchIndex = Math.ceil(step / this.settings.numIterations);
    if (this.batch?.index !== batchIndex) {
      this.batch = undefined;
      const tasks = indices.map((i) => this.options.train[i]);
      const value = await rollOutBatch(this.context(), tasks, this.options.spec.request.training.seed * 1_000_003 + batchIndex * 7919);
      this.batch = { index: batchIndex, value };
      const prefix = this.rolloutsPrefix;
      if (prefix && recordsStep(step, totalSteps)) await writeRollouts(this.options.store!, prefix, step, rolloutRecords(step, indices, tasks, value));
    }
    return trainOnBatch(this.context(), this.batch.value);
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
