import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelTokenizer } from './model-tokenizer';

/**
 * Every token id that ends a generation of the model in `modelDir`: `eos_token_id` of generation_config.json and
 * of config.json (a number or a list; chat models list their end-of-turn token there) and the tokenizer's
 * `eos_token`. Hugging Face's `generate` stops at the first two; the tokenizer's is the end-of-turn marker its
 * chat template writes, which a generation must stop at as well.
 */
export async function endOfSequenceIds(modelDir: string, tokenizer: ModelTokenizer): Promise<number[]> {
  const ids = [...(await eosIdsIn(join(modelDir, 'generation_config.json'))), ...(await eosIdsIn(join(modelDir, 'config.json')))];
  if (tokenizer.eosTokenId !== undefined) ids.push(tokenizer.eosTokenId);
  return [...new Set(ids)];
}

async function eosIdsIn(path: string): Promise<number[]> {
  if (!existsSync(path)) return [];
  const config = JSON.parse(await readFile(path, 'utf8')) as { eos_token_id?: unknown };
  const value = config.eos_token_id;
  const ids = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return ids.filter((id): id is number => Number.isInteger(id) && (id as number) >= 0);
}
