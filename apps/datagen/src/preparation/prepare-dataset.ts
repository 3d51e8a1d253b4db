import type { JobConfig, PayloadOf, dataPreparationRequestedV1 } from '@tuneforge/contracts';
import {
  buildQualityReport,
  DatasetError,
  generateToolSamples,
  recordText,
  splitTrainValidation,
  type CollectedDataset,
  type DatasetRecord,
  type QualityReport,
} from '@tuneforge/datasets';

export type RecordKind = DatasetRecord['kind'];

export interface PreparationInput {
  training: CollectedDataset;
  validation?: CollectedDataset;
  /** Name used in errors about the training file as a whole (its key). */
  trainingFile: string;
  data: JobConfig['data'];
  synthesis: JobConfig['synthesis'];
  tools: PayloadOf<typeof dataPreparationRequestedV1>['tools'];
}

export interface PreparationCounts {
  inputRecords: number;
  syntheticRecords: number;
  trainRecords: number;
  validationRecords: number;
}

export type Preparation =
  | { ok: false; errors: DatasetError[] }
  | { ok: true; kind: RecordKind; train: DatasetRecord[]; validation: DatasetRecord[]; counts: PreparationCounts; report: QualityReport; skippedTools: Array<{ name: string; reason: string }> };

const REQUEST = '<request>';

/**
 * From read files to a dataset ready to write: refuses any error in the inputs (nothing is prepared
 * from a partly valid file, so the user fixes the file rather than training on what was left of it),
 * adds seeded synthetic samples when asked, splits train/validation by seed unless a validation file
 * was given, and builds the quality report. Deterministic for a given input and config, which is what
 * lets a redelivered task rebuild exactly what an interrupted attempt would have written.
 */
export function prepareDataset(input: PreparationInput): Preparation {
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

  let synthetic: DatasetRecord[] = [];
  let skippedTools: Array<{ name: string; reason: string }> = [];
  if (input.synthesis.enabled) {
    const generated = synthesize(input, kind);
    if ('error' in generated) return { ok: false, errors: [generated.error] };
    synthetic = generated.records;
    skippedTools = generated.skippedTools;
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
  const counts = { inputRecords: userRecords.length, syntheticRecords: synthetic.length, trainRecords: train.length, validationRecords: validation.length };
  const report = buildQualityReport({ records: train, validation });
  return { ok: true, kind, train, validation, counts, report, skippedTools };
}

function synthesize(input: PreparationInput, kind: RecordKind): { records: DatasetRecord[]; skippedTools: Array<{ name: string; reason: string }> } | { error: DatasetError } {
  if (kind === 'preference') {
    return { error: new DatasetError({ code: 'invalid_record', file: REQUEST, path: 'synthesis.enabled', expected: 'false for a preference dataset (synthesis writes chat samples, not preference pairs)' }) };
  }
  const { samples, skippedTools } = generateToolSamples(input.tools, {
    seed: input.synthesis.seed,
    count: input.synthesis.samples,
    noToolShare: input.synthesis.noToolRatio,
  });
  if (samples.length === 0) {
    const reasons = skippedTools.map((t) => `${t.name}: ${t.reason}`).join('; ');
    return {
      error: new DatasetError({ code: 'invalid_record', file: REQUEST, path: 'tools', expected: 'at least one usable tool definition when synthesis is enabled', received: reasons || 'no tools' }),
    };
  }
  const location = (index: number) => ({ file: 'synthetic', line: index + 1 });
  // A prompt/completion (ReAct) dataset gets the same samples in ReAct form, so the file stays one format.
  const records: DatasetRecord[] =
    kind === 'conversation'
      ? samples.map((s, i) => ({ kind: 'conversation', format: 'openai_chat', location: location(i), conversation: s.conversation }))
      : samples.flatMap((s) => s.react).map((r, i) => ({ kind: 'prompt_completion', format: 'prompt_completion', location: location(i), sample: { prompt: r.prompt, completion: r.completion } }));
  return { records, skippedTools };
}
