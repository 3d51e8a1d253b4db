import type { PayloadOf, PodRunSpec, trainingRunProgressedV1 } from '@tuneforge/contracts';
import { dpoConfigOf } from '@tuneforge/contracts';
import { tokenizePreferenceRecords, type DatasetRecord, type LocatedPreference, type ModelTokenizer } from '@tuneforge/datasets';
import { dpoAccumulate, dpoMetrics, pairLogprobs, type DpoMetrics, type Model, type PairLogprobs, type PreferenceIds, type Trainer } from '@tuneforge/engine';
import type { StepPlan } from './plan';

type PreferenceProgress = NonNullable<PayloadOf<typeof trainingRunProgressedV1>['preference']>;

/** What a DPO run trains on: its pairs as ids, and each pair's reference log-probs (the starting model's). */
export interface PreferenceSet {
  pairs: PreferenceIds[];
  reference: PairLogprobs[];
}

/** Every record of a prepared dataset file as a preference pair (datagen refused anything else at validation). */
export function tokenizePreferenceFile(tokenizer: ModelTokenizer, records: DatasetRecord[], maxLength: number, file: string): PreferenceIds[] {
  const { pairs, errors } = tokenizePreferenceRecords(tokenizer, records, { maxLength });
  if (errors.length) throw new Error(`${file}: ${errors.length} record(s) cannot be trained as preference pairs, first: ${errors[0].message}`);
  return pairs.map(toIds);
}

const toIds = (p: LocatedPreference): PreferenceIds => ({ prompt: p.prompt_ids, chosen: p.chosen_ids, rejected: p.rejected_ids });

/**
 * The reference log-probs of every pair, from the model as loaded: the frozen base. Called before the trainer
 * exists (a LoRA trainer attaches its adapter; a resumed full fine-tuning run loads trained weights), so a pod
 * that resumes a run computes the same reference as the pod that started it.
 */
export async function withReference(model: Model, pairs: PreferenceIds[]): Promise<PreferenceSet> {
  return { pairs, reference: pairs.length ? await pairLogprobs(model, pairs) : [] };
}

export interface PreferenceStepResult {
  metrics: DpoMetrics;
  /** Tokens of the step's rows (prompts and both outputs). */
  tokens: number;
}

/** The job config's DPO settings, as the engine takes them. */
export function dpoOptionsOf(spec: PodRunSpec): { beta: number; rpoAlpha: number } {
  const { beta, rpoAlpha } = dpoConfigOf(spec.request.training);
  return { beta, rpoAlpha };
}

/** One optimizer step's gradient over the plan's pairs for `step` (the caller then calls trainer.step()). */
export async function accumulatePreferenceStep(trainer: Trainer, plan: StepPlan, step: number, set: PreferenceSet, spec: PodRunSpec, padTokenId: number, microBatchPairs = spec.request.training.microBatchSize): Promise<PreferenceStepResult> {
  const indices = plan.rowsOf(step);
  const pairs = indices.map((i) => set.pairs[i]);
  const reference = indices.map((i) => set.reference[i]);
  const metrics = await dpoAccumulate(trainer, pairs, reference, { ...dpoOptionsOf(spec), microBatchPairs, padTokenId });
  const tokens = pairs.reduce((sum, p) => sum + 2 * p.prompt.length + p.chosen.length + p.rejected.length, 0);
  return { metrics, tokens };
}

/** The validation pairs' DPO metrics under the model as it is now (undefined without validation pairs). */
export async function preferenceValidation(model: Model, set: PreferenceSet, spec: PodRunSpec): Promise<DpoMetrics | undefined> {
  if (set.pairs.length === 0) return undefined;
  return dpoMetrics(await pairLogprobs(model, set.pairs), set.reference, dpoOptionsOf(spec));
}

/** A step's metrics as the progress event carries them. */
export function preferenceProgress(train: DpoMetrics, valid?: DpoMetrics): PreferenceProgress {
  return {
    rewardsChosen: train.rewardsChosen,
    rewardsRejected: train.rewardsRejected,
    rewardMargin: train.rewardMargin,
    rewardAccuracy: train.rewardAccuracy,
    logpsChosen: train.logpsChosen,
    logpsRejected: train.logpsRejected,
    ...(valid ? { validRewardAccuracy: valid.rewardAccuracy, validRewardMargin: valid.rewardMargin } : {}),
  };
}

/** Tokens one epoch trains on: each pair's prompt twice (once per output) and both outputs. */
export function preferenceEpochTokens(set: PreferenceSet): number {
  return set.pairs.reduce((sum, p) => sum + 2 * p.prompt.length + p.chosen.length + p.rejected.length, 0);
}
