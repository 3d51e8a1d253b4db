import {
  trainingCheckpointSavedV1,
  trainingRunCompletedV1,
  trainingRunProgressedV1,
  type CheckpointMetrics,
  type PayloadOf,
  type PodRunSpec,
} from '@tuneforge/contracts';
import { collectDataset, IGNORE_INDEX, loadModelTokenizer, tokenizeRecords, type DatasetRecord, type TokenizedSample } from '@tuneforge/datasets';
import { Model, type DpoMetrics, type LoraTargetModule, type PreferenceIds, type Trainer, type TrainConfig } from '@tuneforge/engine';
import { ArtifactExistsError, listCommittedArtifacts, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodChannel } from './pod-channel';
import { addAgentTokens } from './agent-vocabulary';
import { StepPlan } from './plan';
import { RunControl } from './run-control';
import { checkpointsToRetire, committedCheckpoints, deleteCheckpoints } from './checkpoint-retention';
import { checkpointPrefix, runPrefix, stepOfCheckpoint } from './run-keys';
import { downloadArtifact, uploadDirectory } from './store-files';
import { accumulateWithMemoryRetry, type MemoryRetry } from './memory-retry';
import { trainingRows } from './training-rows';
import { exportModels } from './export-models';
import type { OperatorHttpTools } from '@tuneforge/agents';
import { grpoSettingsOf, ReinforcementRun, readReinforcementFile } from '../reinforcement/reinforcement-run';
import type { GradeFunction, ReinforcementStepResult, ReinforcementTask } from '../reinforcement/reinforcement-step';
import {
  accumulatePreferenceStep,
  preferenceEpochTokens,
  preferenceProgress,
  preferenceValidation,
  tokenizePreferenceFile,
  withReference,
  type PreferenceSet,
} from './preference-training';

type Completed = PayloadOf<typeof trainingRunCompletedV1>;

export interface TrainingRunDeps {
  /** The tenant's store (keys in the request are tenant-relative). */
  store: ArtifactStore;
  channel: PodChannel;
  logger: Logger;
  threads?: number;
  progressEvery?: number;
  /** Local scratch space; a fresh temporary directory by default, removed at the end. */
  workDir?: string;
  /**
   * A reinforcement run's scoring: the job's grader (`training.reinforcement.grader`) as a function of an episode
   * (libs/graders' runGrader in the service). A reinforcement run without it fails at once.
   */
  graderFor?: (grader: unknown) => GradeFunction;
  /** HTTP tools the operator allows in reinforcement rollouts, and the hosts they may reach. */
  httpTools?: OperatorHttpTools;
}

/**
 * Marks the last step whose progress event went out, so a resumed pod re-runs those steps silently. A kill
 * between the event and its marker makes the resumed pod send that event again, with the same message id.
 */
function progressMarker(spec: PodRunSpec, step: number): string {
  return `${runPrefix(spec.request)}/progress/step-${String(step).padStart(8, '0')}`;
}

async function lastPublishedStep(store: ArtifactStore, spec: PodRunSpec): Promise<number> {
  let last = 0;
  for await (const entry of store.list(`${runPrefix(spec.request)}/progress/`)) {
    const match = /step-(\d{8})$/.exec(entry.key);
    if (match) last = Math.max(last, Number(match[1]));
  }
  return last;
}

async function latestCheckpoint(store: ArtifactStore, spec: PodRunSpec): Promise<{ prefix: string; step: number } | undefined> {
  let best: { prefix: string; step: number } | undefined;
  for await (const ref of listCommittedArtifacts(store, `${runPrefix(spec.request)}/checkpoints/`)) {
    const step = stepOfCheckpoint(ref.prefix);
    if (step !== undefined && (!best || step > best.step)) best = { prefix: ref.prefix, step };
  }
  return best;
}

export function engineTrainConfig(spec: PodRunSpec, totalSteps: number): TrainConfig {
  const t = spec.request.training;
  return {
    mode: t.method,
    ...(t.method === 'lora' && { lora: { r: t.lora.rank, alpha: t.lora.alpha, dropout: t.lora.dropout, targetModules: t.lora.targetModules as LoraTargetModule[] } }),
    lr: t.learningRate,
    weightDecay: t.weightDecay,
    maxGradNorm: t.maxGradNorm,
    schedule: t.schedule,
    warmupSteps: Math.floor(t.warmupRatio * totalSteps),
    totalSteps,
    seed: t.seed,
    recompute: t.activationRecomputation,
  };
}

/**
 * Mean negative log-likelihood of the labeled tokens of held-out samples under the model as it is now, and the
 * share of them the model's greedy prediction gets right (token accuracy).
 */
async function validationScores(model: Model, samples: readonly TokenizedSample[]): Promise<{ loss?: number; accuracy?: number }> {
  if (samples.length === 0) return {};
  const { logprobs, greedy } = await model.tokenScores(samples.map((s) => s.input_ids));
  let sum = 0;
  let hits = 0;
  let count = 0;
  samples.forEach((s, i) => {
    for (let t = 1; t < s.labels.length; t++) {
      if (s.labels[t] === IGNORE_INDEX) continue;
      sum -= logprobs[i][t];
      if (greedy[i][t]) hits++;
      count++;
    }
  });
  return count ? { loss: sum / count, accuracy: hits / count } : {};
}

/** Each file of the run's datasets, read: the records of every `train.jsonl` and every `validation.jsonl`. */
async function readDatasets(store: TrainingRunDeps['store'], request: PodRunSpec['request'], work: string) {
  const files: { train: DatasetFile[]; validation: DatasetFile[] } = { train: [], validation: [] };
  for (const [i, prefix] of request.datasets.entries()) {
    const dir = join(work, `dataset-${i}`);
    const manifest = await downloadArtifact(store, prefix, dir);
    for (const [file, into] of [['train.jsonl', files.train], ['validation.jsonl', files.validation]] as const) {
      // Absent, or empty (a job with no validation split): nothing to read.
      if (!manifest.files.some((f) => f.path === file && f.size > 0)) continue;
      const name = `${prefix}/${file}`;
      const { records, errors } = await collectDataset(join(dir, file), { file: name });
      if (errors.length) throw new Error(`${name}: ${errors.length} unreadable record(s), first: ${errors[0].message}`);
      into.push({ name, records });
    }
  }
  return files;
}

interface DatasetFile {
  name: string;
  records: DatasetRecord[];
}

/** Every dataset of the run, read and tokenized with the model's tokenizer: its training and validation samples. */
async function tokenizedDatasets(store: TrainingRunDeps['store'], request: PodRunSpec['request'], tokenizer: Awaited<ReturnType<typeof loadModelTokenizer>>, work: string) {
  const files = await readDatasets(store, request, work);
  const tokenize = (file: DatasetFile): TokenizedSample[] => {
    const tokenized = tokenizeRecords(tokenizer, file.records, { maxLength: request.maxSequenceLength });
    if (tokenized.errors.length) throw new Error(`${file.name}: ${tokenized.errors.length} record(s) cannot be tokenized, first: ${tokenized.errors[0].message}`);
    return tokenized.samples;
  };
  return { train: files.train.flatMap(tokenize), validation: files.validation.flatMap(tokenize) };
}

/** A reinforcement run's prompts: every line of each `train.jsonl` and `validation.jsonl`, extra fields kept for the grader. */
async function reinforcementDatasets(store: TrainingRunDeps['store'], request: PodRunSpec['request'], work: string) {
  const files = { train: [] as ReinforcementTask[], validation: [] as ReinforcementTask[] };
  for (const [i, prefix] of request.datasets.entries()) {
    const dir = join(work, `dataset-${i}`);
    const manifest = await downloadArtifact(store, prefix, dir);
    for (const [file, into] of [['train.jsonl', files.train], ['validation.jsonl', files.validation]] as const) {
      if (manifest.files.some((f) => f.path === file && f.size > 0)) into.push(...(await readReinforcementFile(join(dir, file), `${prefix}/${file}`)));
    }
  }
  return files;
}

/** A DPO run's datasets as preference pairs (prompt, chosen and rejected ids), tokenized as datagen validated them. */
async function preferenceDatasets(store: TrainingRunDeps['store'], request: PodRunSpec['request'], tokenizer: Awaited<ReturnType<typeof loadModelTokenizer>>, work: string) {
  const files = await readDatasets(store, request, work);
  const tokenize = (file: DatasetFile): PreferenceIds[] => tokenizePreferenceFile(tokenizer, file.records, request.maxSequenceLength, file.name);
  return { train: files.train.flatMap(tokenize), validation: files.validation.flatMap(tokenize) };
}

/**
 * One training run, start to finish: pull base model and dataset (with agent tokens, grow model and tokenizer
 * by the ReAct markers), tokenize with the model's own chat template and loss masks, pack (or one sample per
 * row), train with the native engine, publish progress, checkpoint to the
 * store, honour control at step boundaries, export adapter and merged model, publish completion.
 * A pod started again for the same run resumes at the step after its last committed checkpoint.
 */
export async function runTraining(spec: PodRunSpec, deps: TrainingRunDeps): Promise<Completed> {
  const { store, channel, logger } = deps;
  const request = spec.request;
  const ids = { runId: request.runId, jobId: request.jobId };
  const work = deps.workDir ?? (await mkdtemp(join(tmpdir(), `train-pod-${request.runId}-`)));
  const control = new RunControl((state) => logger.info({ runId: request.runId, state }, 'control applied'));
  for (const action of spec.controls ?? []) control.apply(action);
  await channel.onControl((message) => control.apply(message.payload.action));
  let model: Model | undefined;
  let trainer: Trainer | undefined;
  let reinforcement: ReinforcementRun | undefined;
  let step = 0;
  try {
    // Inputs.
    const modelDir = join(work, 'base-model');
    await downloadArtifact(store, request.baseModel, modelDir);
    // The model is loaded before tokenizing: with agent tokens it grows, and the tokenizer must agree with it.
    model = await Model.load(modelDir, { threads: deps.threads ?? 0 });
    const tokenizer = request.agentTokens ? (await addAgentTokens(model, modelDir)).tokenizer : await loadModelTokenizer(modelDir);
    if (request.agentTokens && request.training.method === 'lora') {
      // LoRA trains the projections only: the new rows keep their initial value, the same mean row for every
      // marker, so the model cannot tell the markers apart. Said in the log because the run still succeeds.
      logger.warn({ runId: request.runId }, 'agent tokens with LoRA: the new embedding rows are not trained (all markers share one row); full fine-tuning trains them');
    }
    const padTokenId = tokenizer.tokenId(tokenizer.padToken) ?? tokenizer.eosTokenId ?? 0;
    const t = request.training;
    const dpo = t.objective === 'dpo';
    const rl = t.objective === 'reinforcement';
    // SFT trains packed (or one-sample) rows of labeled tokens; DPO trains preference pairs, each a chosen and a
    // rejected row, against reference log-probs taken now, from the model as loaded (before a LoRA adapter or a
    // resumed checkpoint changes it: see preference-training.ts).
    let train: TokenizedSample[] = [];
    let validation: TokenizedSample[] = [];
    let sequences: ReturnType<typeof trainingRows>['rows'] = [];
    let preference: { train: PreferenceSet; validation: PreferenceSet } | undefined;
    let tasks: { train: ReinforcementTask[]; validation: ReinforcementTask[] } | undefined;
    if (dpo) {
      const pairs = await preferenceDatasets(store, request, tokenizer, work);
      preference = { train: await withReference(model, pairs.train), validation: await withReference(model, pairs.validation) };
    } else if (rl) {
      tasks = await reinforcementDatasets(store, request, work);
    } else {
      ({ train, validation } = await tokenizedDatasets(store, request, tokenizer, work));
    }
    const packing = request.packing ?? true;
    let packingEfficiency: number | undefined;
    if (!dpo && !rl) ({ rows: sequences, packingEfficiency } = trainingRows(train, { packing, maxLength: request.maxSequenceLength, padTokenId }));
    const units = preference ? preference.train.pairs.length : tasks ? tasks.train.length : sequences.length;
    // A reinforcement run may update several times per batch of rollouts (numIterations): each update is a step.
    const plan = new StepPlan({ sequences: units, epochs: t.epochs, batchSize: t.batchSize, microBatchSize: t.microBatchSize, seed: t.seed, ...(rl ? { repeats: grpoSettingsOf(spec).numIterations } : {}) });
    logger.info(
      tasks
        ? { runId: request.runId, objective: 'reinforcement', prompts: units, validationPrompts: tasks.validation.length, totalSteps: plan.totalSteps }
        : preference
        ? { runId: request.runId, objective: 'dpo', pairs: units, validationPairs: preference.validation.pairs.length, totalSteps: plan.totalSteps }
        : { runId: request.runId, samples: train.length, sequences: sequences.length, packing, packingEfficiency, agentTokens: request.agentTokens ?? false, totalSteps: plan.totalSteps },
      'data ready',
    );
    /** Validation at a checkpoint: SFT's mean token loss, or the validation pairs' DPO loss (and their metrics). */
    const validate = async (): Promise<{ loss?: number; accuracy?: number; preference?: DpoMetrics }> => {
      if (!preference) return validationScores(model!, validation);
      const metrics = await preferenceValidation(model!, preference.validation, spec);
      return { loss: metrics?.loss, preference: metrics };
    };

    // Engine, resumed from the last committed checkpoint when there is one.
    trainer = await model.createTrainer(engineTrainConfig(spec, plan.totalSteps));
    const own = await latestCheckpoint(store, spec);
    const resumeFrom = own?.prefix ?? request.resumeFrom;
    if (resumeFrom) {
      const dir = join(work, 'resume');
      await downloadArtifact(store, resumeFrom, dir);
      await trainer.resume(dir);
      logger.info({ runId: request.runId, checkpoint: resumeFrom, step: trainer.stepCount }, 'resumed');
    }
    if (tasks) {
      const grader = t.reinforcement?.grader;
      if (!deps.graderFor || grader === undefined) throw new Error('a reinforcement run needs its grader (training.reinforcement.grader) and the pod a grader runtime');
      reinforcement = await ReinforcementRun.start({ spec, model, modelDir, tokenizer, trainer, train: tasks.train, validation: tasks.validation, grade: deps.graderFor(grader), padTokenId, store, ...(deps.httpTools ? { httpTools: deps.httpTools } : {}) });
    }
    step = trainer.stepCount;
    let reinforcementTokens = 0;
    const published = await lastPublishedStep(store, spec);
    const progressEvery = deps.progressEvery ?? 1;
    const started = Date.now();
    const firstStep = step;
    // Said once, on the first progress this pod publishes: where it resumed (the events then show the step counter go on).
    let resumedFromStep = resumeFrom ? step : undefined;
    let lastLoss = Number.NaN;
    let lastCheckpointStep = own?.step ?? 0;
    // Rows (DPO: pairs) per micro-batch: the job's, halved for good each time a step runs out of memory.
    let microBatchSize = t.microBatchSize;
    // Retries since the last progress message, which carries them into the job's events.
    let memoryRetries: MemoryRetry[] = [];
    const onMemoryRetry = (retry: MemoryRetry) => {
      memoryRetries.push(retry);
      logger.warn({ runId: request.runId, ...retry }, `step ${retry.step} ran out of memory: redone with micro-batches of ${retry.toMicroBatchSize} (was ${retry.fromMicroBatchSize}), ${retry.accumulation} per step, the same global batch`);
    };

    while (step < plan.totalSteps) {
      // Said once per pause, with the step it holds at: operators (and tests) see the pod really paused.
      if (control.isPaused) logger.info({ runId: request.runId, step }, 'paused at a step boundary');
      if ((await control.atBoundary()) === 'cancel') {
        return await complete({ ...ids, status: 'cancelled', step });
      }
      const next = step + 1;
      const stepStarted = Date.now();
      let tokens = 0;
      let stepPreference: DpoMetrics | undefined;
      let stepReinforcement: ReinforcementStepResult | undefined;
      if (reinforcement) {
        stepReinforcement = await reinforcement.step(plan.rowsOf(next), next, plan.totalSteps);
        tokens = stepReinforcement.tokens;
        reinforcementTokens += tokens;
      } else if (preference) {
        const { result, microBatchSize: used } = await accumulateWithMemoryRetry({
          trainer,
          step: next,
          batchSize: t.batchSize,
          microBatchSize,
          accumulate: (size) => accumulatePreferenceStep(trainer!, plan, next, preference!.train, spec, padTokenId, size),
          onRetry: onMemoryRetry,
        });
        microBatchSize = used;
        tokens = result.tokens;
        stepPreference = result.metrics;
      } else {
        const { result, microBatchSize: used } = await accumulateWithMemoryRetry({
          trainer,
          step: next,
          batchSize: t.batchSize,
          microBatchSize,
          accumulate: async (size) => {
            let stepTokens = 0;
            for (const micro of plan.microBatches(next, sequences, padTokenId, size)) {
              stepTokens += micro.tokens;
              await trainer!.accumulate(micro);
            }
            return stepTokens;
          },
          onRetry: onMemoryRetry,
        });
        microBatchSize = used;
        tokens = result;
      }
      const stepResult = await trainer.step();
      // DPO: the engine's step loss is its weighted-NLL surrogate; the DPO loss is the one the policy passes measured.
      // GRPO likewise: the loss is the clipped surrogate + KL the step's rollouts measured.
      const result = stepPreference ? { ...stepResult, loss: stepPreference.loss } : stepReinforcement ? { ...stepResult, loss: stepReinforcement.metrics.loss } : stepResult;
      if (result.step !== next) throw new Error(`the engine reports step ${result.step} where ${next} was expected`);
      // Nothing after a non-finite loss is worth training or exporting: the run ends, saying it diverged.
      if (!Number.isFinite(result.loss)) {
        return await complete({ ...ids, status: 'failed', step: next, error: `the training loss became ${result.loss} at step ${next}: the run diverged`, diverged: true });
      }
      step = next;
      lastLoss = result.loss;
      const elapsed = (Date.now() - started) / 1000;
      const checkpointHere = step % t.checkpointEverySteps === 0 || step === plan.totalSteps;
      // Measured before the step's progress, which then carries it (the step's metrics event shows valid_loss).
      const stepValidation = checkpointHere ? await validate() : undefined;
      const stepValidLoss = stepValidation?.loss;
      // A reinforcement run's held-out pass rate, every evalInterval steps.
      const stepEvaluation = reinforcement?.evaluatesAt(step, plan.totalSteps) ? await reinforcement.evaluate() : undefined;
      // Token accuracy of a supervised step (the engine counts greedy hits in plain accumulate calls only).
      const tokenAccuracy = !preference && !reinforcement && result.tokens > 0 ? result.correctTokens / result.tokens : undefined;
      if (step > published && (step % progressEvery === 0 || step === plan.totalSteps)) {
        const perStep = elapsed / (step - firstStep);
        await channel.publish(trainingRunProgressedV1, {
          ...ids,
          step,
          totalSteps: plan.totalSteps,
          epoch: plan.epochOf(step + 1),
          loss: result.loss,
          learningRate: result.lr,
          gradNorm: Number.isFinite(result.gradNorm) ? result.gradNorm : undefined,
          tokens: result.tokens,
          tokensPerSecond: tokens / Math.max((Date.now() - stepStarted) / 1000, 1e-6),
          etaSeconds: perStep * (plan.totalSteps - step),
          ...(stepValidLoss !== undefined ? { validLoss: stepValidLoss } : {}),
          ...(tokenAccuracy !== undefined ? { tokenAccuracy } : {}),
          ...(stepValidation?.accuracy !== undefined ? { validTokenAccuracy: stepValidation.accuracy } : {}),
          ...(resumedFromStep !== undefined ? { resumedFromStep } : {}),
          ...(memoryRetries.length > 0 ? { memoryRetries: memoryRetries.slice(-64).map(({ step: at, fromMicroBatchSize, toMicroBatchSize, accumulation }) => ({ step: at, fromMicroBatchSize, toMicroBatchSize, accumulation })) } : {}),
          ...(stepPreference ? { preference: preferenceProgress(stepPreference, stepValidation?.preference) } : {}),
          ...(stepReinforcement && reinforcement ? { reinforcement: reinforcement.progress(stepReinforcement, stepEvaluation) } : {}),
        }, `progress/${step}`);
        resumedFromStep = undefined;
        memoryRetries = [];
        await store.put(progressMarker(spec, step), '').catch((error: unknown) => {
          if (!(error instanceof ArtifactExistsError)) throw error;
        });
      }
      if (checkpointHere) {
        await saveCheckpoint(step, result.loss, stepValidation ?? null, tokenAccuracy);
        lastCheckpointStep = step;
      }
    }
    if (lastCheckpointStep !== step && step > 0) await saveCheckpoint(step, lastLoss);

    const rollouts = reinforcement?.rolloutsPrefix;
    const artifacts = { ...(await exportModels(spec, model, deps, join(work, 'export'), step)), ...(rollouts ? { rollouts } : {}) };
    // Rollouts differ every epoch: a reinforcement run counts the tokens this pod's steps trained on.
    const epochTokens = preference ? preferenceEpochTokens(preference.train) : sequences.reduce((sum, sequence) => sum + sequence.input_ids.length, 0);
    const trainedTokens = reinforcement ? reinforcementTokens : epochTokens * t.epochs;
    return await complete({ ...ids, status: 'succeeded', steps: step, finalLoss: Number.isFinite(lastLoss) ? lastLoss : 0, trainedTokens, artifacts });

    /** `measured`: the validation already measured at this step (null: none to measure); undefined: measure it. */
    async function saveCheckpoint(at: number, trainLoss: number, measured?: { loss?: number; accuracy?: number } | null, trainAccuracy?: number): Promise<void> {
      const prefix = checkpointPrefix(request, at);
      const dir = join(work, 'checkpoints', `step-${at}`);
      await trainer!.save(dir);
      const metrics: CheckpointMetrics = { step: at, train_loss: trainLoss };
      if (trainAccuracy !== undefined) metrics.train_mean_token_accuracy = trainAccuracy;
      const valid = measured === undefined ? await validate() : (measured ?? {});
      // Measured over the whole validation split: OpenAI's valid_* and full_valid_* at once.
      if (valid.loss !== undefined) metrics.valid_loss = metrics.full_valid_loss = valid.loss;
      if (valid.accuracy !== undefined) metrics.valid_mean_token_accuracy = metrics.full_valid_mean_token_accuracy = valid.accuracy;
      await uploadDirectory(store, prefix, dir, 'checkpoint', { runId: request.runId, step: at, metrics });
      await rm(dir, { recursive: true, force: true });
      // Retention: announced with this checkpoint, deleted after (see checkpoint-retention.ts).
      const retired = checkpointsToRetire(await committedCheckpoints(store, `${runPrefix(request)}/checkpoints/`), t.keepCheckpoints);
      const retiredSteps = retired.length > 0 ? { retiredSteps: retired.map((c) => c.step) } : {};
      await channel.publish(trainingCheckpointSavedV1, { ...ids, step: at, artifact: prefix, metrics, ...retiredSteps }, `checkpoint/${at}`);
      await deleteCheckpoints(store, retired);
      logger.info({ runId: request.runId, step: at, checkpoint: prefix, retired: retiredSteps.retiredSteps }, 'checkpoint committed');
    }
  } catch (error) {
    logger.error({ err: error, runId: request.runId, step }, 'training failed');
    return await complete({ ...ids, status: 'failed', step, error: (error instanceof Error ? error.message : String(error)).slice(0, 4000) || 'unknown error' });
  } finally {
    await reinforcement?.dispose();
    trainer?.dispose();
    model?.dispose();
    if (!deps.workDir) await rm(work, { recursive: true, force: true });
  }

  async function complete(payload: Completed): Promise<Completed> {
    await channel.publish(trainingRunCompletedV1, payload, 'completed');
    return payload;
  }
}

