import type { JobConfig } from '@tuneforge/contracts';
import { collectDataset, DatasetError, type ByteSource, type CollectedDataset, type DatasetEncoding, type DatasetFormat } from '@tuneforge/datasets';
import { ArtifactNotFoundError, type ArtifactStore } from '@tuneforge/storage';

type ConfiguredFormat = JobConfig['data']['format'];

/** The job config names formats for users; `csv` and `json` name a container whose records are auto-detected. */
const READ_OPTIONS: Record<ConfiguredFormat, { format: DatasetFormat | 'auto'; encoding: DatasetEncoding | 'auto' }> = {
  auto: { format: 'auto', encoding: 'auto' },
  'openai-chat': { format: 'openai_chat', encoding: 'auto' },
  'openai-preference': { format: 'openai_preference', encoding: 'auto' },
  'prompt-completion': { format: 'prompt_completion', encoding: 'auto' },
  sharegpt: { format: 'sharegpt', encoding: 'auto' },
  alpaca: { format: 'alpaca', encoding: 'auto' },
  csv: { format: 'auto', encoding: 'csv' },
  json: { format: 'auto', encoding: 'json' },
  'react-transcript': { format: 'react_transcript', encoding: 'auto' },
  lagent: { format: 'lagent_memory', encoding: 'auto' },
  agentfly: { format: 'agentfly_trajectory', encoding: 'auto' },
};

/**
 * Reads one uploaded file from the tenant's store through the dataset readers, whose caps (file size,
 * line length, records, nesting, errors) bound what a hostile upload can cost. Errors name the file by
 * its key. A missing file is the user's error, not a reason to retry; a store that cannot be reached
 * before reading starts propagates (retriable).
 */
export async function readUpload(store: ArtifactStore, key: string, format: ConfiguredFormat): Promise<CollectedDataset> {
  let body;
  try {
    body = await store.get(key);
  } catch (error) {
    if (!(error instanceof ArtifactNotFoundError)) throw error;
    return { records: [], errors: [new DatasetError({ code: 'read_failed', file: key, path: '', expected: 'an uploaded file at this key', received: 'no such file' })] };
  }
  return collectDataset(body, { file: key, ...READ_OPTIONS[format] });
}

/** A reinforcement job's uploads, opened for `readReinforcementLines`; a missing file is the user's error. */
export async function reinforcementUploads(
  store: ArtifactStore,
  files: { training: string; validation?: string },
): Promise<{ training: { key: string; body: ByteSource }; validation?: { key: string; body: ByteSource } } | { error: DatasetError }> {
  type Opened = { key: string; body: ByteSource } | { error: DatasetError };
  const open = async (key: string): Promise<Opened> => {
    try {
      return { key, body: await store.get(key) };
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) throw error;
      return { error: new DatasetError({ code: 'read_failed', file: key, path: '', expected: 'an uploaded file at this key', received: 'no such file' }) };
    }
  };
  const training = await open(files.training);
  if ('error' in training) return training;
  if (files.validation === undefined) return { training };
  const validation = await open(files.validation);
  return 'error' in validation ? validation : { training, validation };
}
