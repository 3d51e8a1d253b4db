import type { JobConfig, PayloadOf, TrainingObjective, dataPreparationRequestedV1 } from '@tuneforge/contracts';
import {
  buildQualityReport,
  DatasetError,
  observationPredictionErrors,
  recordText,
  splitTrainValidation,
  tokenizePreferenceRecords,
  tokenizeRecords,
  type CollectedDataset,
  type DatasetRecord,
  type ModelTokenizer,
  type QualityReport,
} from '@tuneforge/datasets';
import { augmentWithRetrieval, type AugmentationSummary, type RetrievalAugmentation } from './augment-with-retrieval';
import { synthesize, type SynthesisRequest, type SynthesisSummary } from './synthesize';

export type RecordKind = DatasetRecord['kind'];

export interface PreparationInput {
  training: CollectedDataset;
  validation?: CollectedDataset;
  /** Name used in errors about the training file as a whole (its key). */
  trainingFile: string;
  data: JobConfig['data'];
  synthesis: JobConfig['synthesis'];
  tools: PayloadOf<typeof dataPreparationRequestedV1>['tools'];
  taskDescription?: string;
  /** The LLM endpoint datagen is configured with (and its completion cache), if any. */
  llm?: SynthesisRequest['llm'];
  /** The task's tokenizer: the report then has token lengths and the truncation rate at `data.maxSequenceLength`. */
  tokenizer?: ModelTokenizer;
  /** Retrieval augmentation the task asked for: every train and validation sample gets its best passages. */
  retrieval?: RetrievalAugmentation;
  /**
   * The job's training objective (`training.objective`; absent: `sft`). DPO needs preference pairs and a
   * supervised job cannot train on them: the other kind is refused here, at validation, not in the pod. With a
   * tokenizer, DPO's pairs are also tokenized as the pod will (`tokenizePreferenceRecords`: the chat template
   * with the input's tools) and any pair it cannot render is refused with its line.
   */
  objective?: TrainingObjective;
}

export interface PreparationCounts {
  inputRecords: number;
  syntheticRecords: number;
  trainRecords: number;
  validationRecords: number;
}

export type Preparation =
  | { ok: false; errors: DatasetError[] }
  | {
      ok: true;
      kind: RecordKind;
      train: DatasetRecord[];
      validation: DatasetRecord[];
      counts: PreparationCounts;
      report: QualityReport;
      skippedTools: Array<{ name: string; reason: string }>;
      synthesis?: SynthesisSummary;
      retrieval?: AugmentationSummary;
      /** A reinforcement job's lines as written, extra fields included (prepare-reinforcement.ts): what the dataset files hold. */
      rawLines?: { train: Array<Record<string, unknown>>; validation: Array<Record<string, unknown>> };
    };

/**
 * From read files to a dataset ready to write: refuses any error in the inputs (nothing is prepared
 * from a partly valid file, so the user fixes the file rather than training on what was left of it) and
 * ReAct completions that go on after `\nObservation:` (see observationPredictionErrors),
 * adds synthetic samples when asked (seeded templates, or the configured LLM endpoint: see synthesize.ts),
 * splits train/validation by seed unless a validation file was given, and builds the quality report (with
 * token statistics when a tokenizer is given). Deterministic for a given input and config (LLM completions
 * are cached by request, and requests are derived from the seed), which is what lets a redelivered task
 * rebuild exactly what an interrupted attempt would have written.
 */
export async function prepareDataset(input: PreparationInput): Promise<Preparation> {
  const errors = [...input.training.errors, ...(input.validation?.errors ?? [])];
  if (errors.length > 0) return { ok: false, errors };

  const userRecords = [...input.training.records, ...(input.validation?.records ?? [])];
  if (input.training.records.length === 0) {
    return { ok: false, errors: [new DatasetError({ code: 'invalid_record', file: input.trainingFile, path: '', expected: 'at least one record' })] };
  }
  const kinds = new Set(userRecords.map((r) => r.kind));
  if (kinds.size > 1) {
    const expected = `records of one kind across training and validation files, found ${[...kinds].join(' and ')}`;
    return { ok: false, errors: [new DatasetError({ code: 'invalid_record', file: input.trainingFile, path: '', expected })] };
  }
  const kind = userRecords[0].kind;
  const objectiveError = objectiveMismatch(input.objective ?? 'sft', userRecords[0], input.trainingFile);
  if (objectiveError) return { ok: false, errors: [objectiveError] };
  // Both files together: a validation file is held to the rules its training file shows it follows.
  const reactErrors = observationPredictionErrors(userRecords.flatMap((r) => (r.kind === 'prompt_completion' ? [{ sample: r.sample, location: r.location }] : [])));
  if (reactErrors.length > 0) return { ok: false, errors: reactErrors };

  let synthetic: DatasetRecord[] = [];
  let summary: SynthesisSummary | undefined;
  if (input.synthesis.enabled) {
    const generated = await synthesize({ kind, seeds: input.training.records, synthesis: input.synthesis, tools: input.tools, taskDescription: input.taskDescription, llm: input.llm });
    if ('error' in generated) return { ok: false, errors: [generated.error] };
    synthetic = generated.records;
    summary = generated.summary;
  }

  let train: DatasetRecord[];
  let validation: DatasetRecord[];
  if (input.validation) {
    train = [...input.training.records, ...synthetic];
    validation = input.validation.records;
  } else {
    ({ train, validation } = splitTrainValidation([...input.training.records, ...synthetic], recordText, {
      seed: input.data.seed,
      validationShare: input.data.validationSplit,
    }));
  }
  let retrieval: AugmentationSummary | undefined;
  if (input.retrieval) {
    // After the split, so that augmenting a job changes what samples say, never which side they land on.
    const augmentedTrain = await augmentWithRetrieval(train, input.retrieval);
    const augmentedValidation = await augmentWithRetrieval(validation, input.retrieval);
    train = augmentedTrain.records;
    validation = augmentedValidation.records;
    const augmentedRecords = augmentedTrain.augmented + augmentedValidation.augmented;
    retrieval = { k: input.retrieval.k, augmentedRecords, unmatchedRecords: train.length + validation.length - augmentedRecords };
  }
  const counts = { inputRecords: userRecords.length, syntheticRecords: synthetic.length, trainRecords: train.length, validationRecords: validation.length };
  if (kind === 'preference' && input.tokenizer) {
    // Refused now rather than in the pod: every pair, train and validation, as preference training tokenizes it.
    const options = { maxLength: input.data.maxSequenceLength };
    const trainPairs = tokenizePreferenceRecords(input.tokenizer, train, options);
    const validationPairs = tokenizePreferenceRecords(input.tokenizer, validation, options);
    const errors = [...trainPairs.errors, ...validationPairs.errors];
    if (errors.length > 0) return { ok: false, errors };
    const tokenLengths = trainPairs.pairs.map((p) => p.prompt_ids.length + Math.max(p.chosen_ids.length, p.rejected_ids.length));
    const report = buildQualityReport({ records: train, validation, tokenLengths });
    return { ok: true, kind, train, validation, counts, report, skippedTools: summary?.skippedTools ?? [], ...(summary && { synthesis: summary }), ...(retrieval && { retrieval }) };
  }
  const tokens = input.tokenizer ? tokenizeRecords(input.tokenizer, train, { maxLength: input.data.maxSequenceLength }) : undefined;
  const report = buildQualityReport({ records: train, validation, tokenLengths: tokens?.tokenLengths, truncation: tokens?.truncation, errors: tokens?.errors });
  return { ok: true, kind, train, validation, counts, report, skippedTools: summary?.skippedTools ?? [], ...(summary && { synthesis: summary }), ...(retrieval && { retrieval }) };
}

/** A file of the wrong kind for the job's objective: one error at the first record's line, saying what the method needs. */
function objectiveMismatch(objective: TrainingObjective, first: DatasetRecord, trainingFile: string): DatasetError | undefined {
  const at = { code: 'invalid_record' as const, file: first.location.file || trainingFile, line: first.location.line, row: first.location.row, path: '' };
  if (objective === 'dpo' && first.kind !== 'preference') {
    return new DatasetError({
      ...at,
      expected: "OpenAI preference lines ({input, preferred_output, non_preferred_output}) for a DPO job (method.type 'dpo')",
      received: first.kind === 'conversation' ? 'a chat conversation' : 'a prompt/completion sample',
    });
  }
  if (objective === 'sft' && first.kind === 'preference') {
    return new DatasetError({
      ...at,
      expected: "chat conversations or prompt/completion samples for a supervised job; preference pairs train with method.type 'dpo'",
      received: 'a preference pair',
    });
  }
  return undefined;
}
