import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { type AddedTokenEntry, type TokenizerJsonShape, withAddedTokens } from '@tuneforge/datasets';

import { EngineError } from './errors';

export interface AddedToken {
  content: string;
  id: number;
}

/** One `Model.addTokens(contents)` call: what was asked and the model's vocabulary size at the time. */
export interface AddedTokenBatch {
  contents: readonly string[];
  vocabSize: number;
}

const EMPTY_TOKENIZER: TokenizerJsonShape = { added_tokens: [], model: { vocab: {} } };

export function readTokenizerJson(dir: string): TokenizerJsonShape | undefined {
  const path = join(dir, 'tokenizer.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as TokenizerJsonShape) : undefined;
}

/**
 * Replays the addTokens calls on a tokenizer.json through `withAddedTokens` (libs/datasets), the same
 * function that assigns ids when training data is tokenized, and checks that every token got the id of
 * the embedding row the engine grew for it.
 */
export function applyAddedTokens<T extends TokenizerJsonShape>(
  tokenizerJson: T | undefined,
  batches: readonly AddedTokenBatch[],
  expected: readonly AddedToken[],
): T {
  let json = (tokenizerJson ?? structuredClone(EMPTY_TOKENIZER)) as T;
  for (const b of batches) json = withAddedTokens(json, b.contents, { vocabSize: b.vocabSize }).tokenizer;
  const ids = new Map((json.added_tokens ?? []).map((t) => [t.content, t.id]));
  for (const t of expected)
    if (ids.get(t.content) !== t.id)
      throw new EngineError(
        'MISMATCH',
        `tokenizer.json gives added token ${JSON.stringify(t.content)} id ${ids.get(t.content)}, the engine grew row ${t.id}`,
      );
  return json;
}

/** The highest id a tokenizer.json gives a token (model vocabulary or added token); -1 when it has none. */
function highestId(json: TokenizerJsonShape): number {
  const vocab = json.model.vocab;
  // A loop, not Math.max(...ids): a 150k-token vocabulary is more arguments than a call takes.
  let top = Array.isArray(vocab) ? vocab.length - 1 : -1;
  if (!Array.isArray(vocab)) for (const id of Object.values(vocab)) top = Math.max(top, id);
  for (const t of json.added_tokens ?? []) top = Math.max(top, t.id);
  return top;
}

/**
 * Python's `tokenizers` (what transformers loads tokenizer.json with) ignores the ids tokenizer.json gives added
 * tokens and numbers each one after the highest id it holds so far. Tokens the engine placed after rows the
 * tokenizer does not name (a model that pads its vocabulary, Qwen: 151936 rows for 151665 ids, tiny-qwen3: 896
 * for 867; or anonymous addTokens(n) rows) would come out of transformers under other ids than the engine's
 * rows. So every id between the source tokenizer's highest and the highest added one gets a token: a special
 * `[PAD<id>]` placeholder (the name the GGUF export gives rows past the tokenizer), listed before the added
 * tokens, in id order. Tokenizers that honour the ids (the JS one) read the same ids with or without them.
 */
export function withIdPlaceholders<T extends TokenizerJsonShape>(edited: T, sourceTop: number): { tokenizer: T; placeholders: AddedTokenEntry[] } {
  const entries = edited.added_tokens ?? [];
  const taken = new Set(entries.map((t) => t.id));
  const placeholders: AddedTokenEntry[] = [];
  const top = highestId(edited);
  for (let id = sourceTop + 1; id < top; id++)
    if (!taken.has(id)) placeholders.push({ id, content: `[PAD${id}]`, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  if (placeholders.length === 0) return { tokenizer: edited, placeholders };
  const added = [...entries.filter((t) => t.id <= sourceTop), ...placeholders, ...entries.filter((t) => t.id > sourceTop).sort((a, b) => a.id - b.id)];
  return { tokenizer: { ...edited, added_tokens: added }, placeholders };
}

/**
 * Stages a copy of sourceDir's tokenizer files with the added tokens written in: tokenizer.json
 * (`added_tokens`), tokenizer_config.json (`added_tokens_decoder`) and added_tokens.json when present, with
 * placeholders for the ids below them that the tokenizer did not name (withIdPlaceholders);
 * every other file is a symlink to the original. The native export then copies the staged files like any
 * source directory's, so the edited tokenizer is inside the directory it commits by rename and in its
 * manifest (file sizes): editing the exported directory afterwards would break both.
 */
export async function stageTokenizerFiles(
  sourceDir: string,
  batches: readonly AddedTokenBatch[],
  expected: readonly AddedToken[],
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tuneforge-tokenizer-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const tokenizer = readTokenizerJson(sourceDir);
    const { tokenizer: edited, placeholders } = tokenizer
      ? withIdPlaceholders(applyAddedTokens(tokenizer, batches, expected), highestId(tokenizer))
      : { tokenizer: undefined, placeholders: [] };
    for (const name of readdirSync(sourceDir)) {
      if (edited && ['tokenizer.json', 'tokenizer_config.json', 'added_tokens.json'].includes(name)) continue;
      symlinkSync(resolve(sourceDir, name), join(dir, name));
    }
    if (edited) {
      writeJson(join(dir, 'tokenizer.json'), edited);
      const entries = (edited.added_tokens ?? []).filter((t) => expected.some((e) => e.id === t.id) || placeholders.includes(t));
      const configPath = join(sourceDir, 'tokenizer_config.json');
      if (existsSync(configPath)) {
        const config = JSON.parse(readFileSync(configPath, 'utf8')) as { added_tokens_decoder?: Record<string, unknown> };
        config.added_tokens_decoder ??= {};
        for (const { id, ...entry } of entries) config.added_tokens_decoder[String(id)] = entry;
        writeJson(join(dir, 'tokenizer_config.json'), config);
      }
      const addedPath = join(sourceDir, 'added_tokens.json');
      if (existsSync(addedPath)) {
        const added = JSON.parse(readFileSync(addedPath, 'utf8')) as Record<string, number>;
        for (const { id, content } of entries) added[content] = id;
        writeJson(join(dir, 'added_tokens.json'), added);
      }
    }
    return { dir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}
