import { DatasetError, loadModelTokenizer, withAgentTokens, type ModelTokenizer, type TokenizerJsonShape } from '@tuneforge/datasets';
import { ArtifactNotFoundError, ArtifactTooLargeError, type ArtifactStore } from '@tuneforge/storage';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REQUIRED = ['tokenizer.json', 'tokenizer_config.json'] as const;
const OPTIONAL = ['chat_template.jinja'] as const;
/** Real tokenizer.json files are 2-20 MB; anything far beyond that is not one. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Loads the tokenizer a task names: `prefix` is a key prefix in the tenant's store laid out like a model
 * directory (`<prefix>/tokenizer.json`, `<prefix>/tokenizer_config.json`, optionally
 * `<prefix>/chat_template.jinja`). The files go to a temporary directory, removed afterwards, because the
 * tokenizer loader reads a local model directory. A missing or unreadable file is the user's error
 * (returned, never retried); a store that cannot be reached propagates (retriable). With `agentTokens` (the job's
 * `data.agentTokens`) the ReAct markers are added as single tokens, as the train pod adds them, so the quality
 * report counts tokens the way training will (the counts do not depend on the ids the markers get).
 */
export async function loadTokenizerFromStore(
  store: ArtifactStore,
  prefix: string,
  options: { agentTokens?: boolean } = {},
): Promise<{ tokenizer: ModelTokenizer } | { error: DatasetError }> {
  const base = prefix.replace(/\/+$/, '');
  const dir = await mkdtemp(join(tmpdir(), 'datagen-tokenizer-'));
  try {
    for (const name of [...REQUIRED, ...OPTIONAL]) {
      const key = `${base}/${name}`;
      try {
        await writeFile(join(dir, name), await store.getBuffer(key, { maxBytes: MAX_FILE_BYTES }));
      } catch (error) {
        if (error instanceof ArtifactTooLargeError) {
          return { error: new DatasetError({ code: 'file_too_large', file: key, path: 'tokenizer', expected: `a tokenizer file of at most ${MAX_FILE_BYTES} bytes` }) };
        }
        if (!(error instanceof ArtifactNotFoundError)) throw error;
        if ((OPTIONAL as readonly string[]).includes(name)) continue;
        return { error: new DatasetError({ code: 'read_failed', file: key, path: 'tokenizer', expected: `a tokenizer directory in the store: ${REQUIRED.join(' and ')} under ${base}/`, received: 'no such file' }) };
      }
    }
    try {
      if (options.agentTokens) {
        const path = join(dir, 'tokenizer.json');
        const json = JSON.parse(await readFile(path, 'utf8')) as TokenizerJsonShape;
        await writeFile(path, JSON.stringify(withAgentTokens(json).tokenizer));
      }
      return { tokenizer: await loadModelTokenizer(dir) };
    } catch (error) {
      return { error: new DatasetError({ code: 'read_failed', file: `${base}/tokenizer.json`, path: 'tokenizer', expected: 'a Hugging Face tokenizer.json and tokenizer_config.json', received: (error as Error).message.slice(0, 160) }) };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
