import { buildQualityReport, DatasetError, readReinforcementLines, type ByteSource, type DatasetRecord } from '@tuneforge/datasets';
import type { Preparation } from './prepare-dataset';

export interface ReinforcementUploads {
  training: { key: string; body: ByteSource };
  /** Required: OpenAI's reinforcement jobs take both files (the gateway refuses a request without one too). */
  validation?: { key: string; body: ByteSource };
  synthesisEnabled: boolean;
}

type Side = { records: DatasetRecord[]; lines: Array<Record<string, unknown>>; errors: DatasetError[] };

async function readSide(key: string, body: ByteSource): Promise<Side> {
  const side: Side = { records: [], lines: [], errors: [] };
  for await (const event of readReinforcementLines(body, { file: key })) {
    if ('error' in event) {
      side.errors.push(event.error);
      continue;
    }
    side.lines.push(event.line.item);
    // The prompt as a conversation, for the quality report's counts (roles, tools, duplicates, leakage).
    side.records.push({ kind: 'conversation', format: 'openai_chat', location: event.location, conversation: event.line.prompt });
  }
  return side;
}

/**
 * Data preparation for a reinforcement job: both files read as OpenAI's reinforcement lines (the last message a user
 * message, extra fields kept), every error named with its file, line and field, nothing prepared from a partly valid
 * file. The prepared dataset holds the lines exactly as written (`rawLines`), so the grader sees every field; no
 * split (the validation file is the held-out set), no synthesis (it writes chat samples with answers, not prompts).
 */
export async function prepareReinforcement(uploads: ReinforcementUploads): Promise<Preparation> {
  const refuse = (file: string, expected: string) => ({ ok: false as const, errors: [new DatasetError({ code: 'invalid_record', file, path: '', expected })] });
  if (!uploads.validation) return refuse(uploads.training.key, 'a validation file as well: reinforcement jobs grade held-out prompts every eval_interval steps');
  if (uploads.synthesisEnabled) return refuse(uploads.training.key, 'synthesis.enabled false for a reinforcement job (synthesis writes answered chat samples, not prompts)');
  const train = await readSide(uploads.training.key, uploads.training.body);
  const validation = await readSide(uploads.validation.key, uploads.validation.body);
  const errors = [...train.errors, ...validation.errors];
  if (errors.length > 0) return { ok: false, errors };
  if (train.lines.length === 0) return refuse(uploads.training.key, 'at least one reinforcement line');
  if (validation.lines.length === 0) return refuse(uploads.validation.key, 'at least one reinforcement line');
  const counts = { inputRecords: train.lines.length + validation.lines.length, syntheticRecords: 0, trainRecords: train.lines.length, validationRecords: validation.lines.length };
  const report = buildQualityReport({ records: train.records, validation: validation.records });
  return { ok: true, kind: 'conversation', train: train.records, validation: validation.records, counts, report, skippedTools: [], rawLines: { train: train.lines, validation: validation.lines } };
}
