import { collectDataset, type DatasetRecord } from '@tuneforge/datasets';
import { ArtifactNotCommittedError, ArtifactNotFoundError, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import { EvaluationInputError } from '../evaluation/evaluation-input-error';

/** An evaluated record: a conversation or a prompt/completion sample, with where it came from. */
export type EvaluationRecord = Exclude<DatasetRecord, { kind: 'preference' }>;
/** A preference pair of the set (a DPO job's held-out pairs): scored by log-probability, not generated. */
export type PreferenceRecord = Extract<DatasetRecord, { kind: 'preference' }>;

export interface EvaluationSet {
  /** The records evaluated: the first `maxExamples` usable ones, in file order. */
  records: EvaluationRecord[];
  /** Where they were read from (`<dataset>/validation.jsonl` or the uploaded file's key). */
  source: string;
  /** Usable records in the file before the cap. */
  available: number;
  /** Preference pairs in the file that are not scored (beyond `maxExamples`). */
  skippedPreferencePairs: number;
  /** The preference pairs scored: the first `maxExamples`, in file order (see preference-metrics.ts). */
  pairs: PreferenceRecord[];
}

const VALIDATION_FILE = 'validation.jsonl';
/** Errors quoted in a failure; the rest are counted. */
const QUOTED_ERRORS = 3;

/**
 * Reads the evaluation set: the uploaded evaluation file when the request names one (any format the
 * training readers accept, auto-detected), else the prepared dataset's `validation.jsonl` (OpenAI chat
 * JSONL, or a DPO job's preference pairs, written by datagen). A file with unreadable records fails the task naming line and field:
 * scoring on the readable part would quietly evaluate something else than what was asked.
 */
export async function readEvaluationSet(store: ArtifactStore, request: { dataset: string; evaluationFile?: string; maxExamples: number }): Promise<EvaluationSet> {
  const { body, source } = await openEvaluationSource(store, request);
  const { records, errors } = await collectDataset(body, { file: source });
  if (errors.length > 0) {
    const quoted = errors.slice(0, QUOTED_ERRORS).map((error) => error.message);
    const more = errors.length > QUOTED_ERRORS ? ` (and ${errors.length - QUOTED_ERRORS} more)` : '';
    throw new EvaluationInputError(`the evaluation set ${source} has ${errors.length} unreadable record(s)${more}: ${quoted.join('; ')}`);
  }
  const usable = records.filter((record): record is EvaluationRecord => record.kind !== 'preference');
  const pairs = records.filter((record): record is PreferenceRecord => record.kind === 'preference');
  if (usable.length === 0 && pairs.length === 0) {
    throw new EvaluationInputError(`the evaluation set ${source} has no conversation, prompt/completion record or preference pair to evaluate (${records.length} record(s) read)`);
  }
  const scoredPairs = pairs.slice(0, request.maxExamples);
  return { records: usable.slice(0, request.maxExamples), source, available: usable.length, skippedPreferencePairs: pairs.length - scoredPairs.length, pairs: scoredPairs };
}

/** The evaluation file's bytes and name: the uploaded evaluation file when the request names one, else `<dataset>/validation.jsonl`. */
export async function openEvaluationSource(store: ArtifactStore, request: { dataset: string; evaluationFile?: string }) {
  return request.evaluationFile !== undefined ? openUpload(store, request.evaluationFile) : openValidationFile(store, request.dataset);
}

async function openUpload(store: ArtifactStore, key: string) {
  try {
    return { body: await store.get(key), source: key };
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) throw new EvaluationInputError(`evaluationFile: no uploaded file at ${key}`);
    throw error;
  }
}

async function openValidationFile(store: ArtifactStore, dataset: string) {
  const source = `${dataset}/${VALIDATION_FILE}`;
  let artifact;
  try {
    artifact = await openArtifact(store, dataset);
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError || error instanceof ArtifactNotFoundError) {
      throw new EvaluationInputError(`dataset: no committed prepared dataset at ${dataset} (expected a manifest and ${VALIDATION_FILE})`);
    }
    throw error;
  }
  if (!artifact.manifest.files.some((file) => file.path === VALIDATION_FILE)) {
    throw new EvaluationInputError(`dataset: the prepared dataset at ${dataset} has no ${VALIDATION_FILE}`);
  }
  return { body: await artifact.openFile(VALIDATION_FILE), source };
}
