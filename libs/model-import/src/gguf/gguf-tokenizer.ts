import { ModelImportError } from '../errors';
import type { GgufFile, GgufValue } from './gguf-file';

/**
 * The Hugging Face tokenizer files (tokenizer.json, tokenizer_config.json) rebuilt from a GGUF's
 * `tokenizer.ggml.*` metadata: llama.cpp keeps the vocabulary, merges, token types and special token ids there,
 * and names its pre-tokenizer (`tokenizer.ggml.pre`), whose split rules are restated here as the
 * `tokenizers` library spells them (llama-vocab.cpp's regexes for each pre-tokenizer type).
 */
export interface RebuiltTokenizer {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  bosTokenId?: number;
  eosTokenId?: number;
  vocabSize: number;
}

/** GGUF token types (llama.cpp `llama_token_type`). */
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

const LLAMA3_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
const split = (pattern: string) => ({ type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false });

/** The pre-tokenizer of each `tokenizer.ggml.pre` value this importer knows, grouped as llama-vocab.cpp groups them. */
const PRE_TOKENIZERS: Record<string, () => Record<string, unknown>> = {
  // GPT-2's split, the byte-level default.
  default: () => byteLevel(true),
  gpt2: () => byteLevel(true),
  // Every \p{N} character alone, then GPT-2's split (llama.cpp's STARCODER group: SmolLM, StarCoder, Refact, ...).
  // Written as a \p{N} split rather than `Digits` (individual_digits): the Rust library's Digits isolates every
  // Unicode number (as llama.cpp's \p{N} does), but @huggingface/tokenizers' Digits only the ASCII 0-9, so
  // "مرحبا ١٢٣" tokenized differently in JavaScript.
  smollm: () => ({ type: 'Sequence', pretokenizers: [split('\\p{N}'), byteLevel(true)] }),
  starcoder: () => ({ type: 'Sequence', pretokenizers: [split('\\p{N}'), byteLevel(true)] }),
  refact: () => ({ type: 'Sequence', pretokenizers: [split('\\p{N}'), byteLevel(true)] }),
  // Llama 3's split: numbers in groups of up to three.
  'llama-bpe': () => ({ type: 'Sequence', pretokenizers: [split(LLAMA3_SPLIT), byteLevel(false)] }),
  llama3: () => ({ type: 'Sequence', pretokenizers: [split(LLAMA3_SPLIT), byteLevel(false)] }),
  // Qwen2's: digits one by one.
  qwen2: () => ({ type: 'Sequence', pretokenizers: [split(QWEN2_SPLIT), byteLevel(false)] }),
};
export const KNOWN_PRE_TOKENIZERS = Object.keys(PRE_TOKENIZERS);

export function rebuildTokenizer(file: GgufFile): RebuiltTokenizer {
  const meta = new MetadataReader(file);
  const model = meta.string('tokenizer.ggml.model');
  if (model !== 'gpt2')
    throw new ModelImportError(file.label, 'metadata "tokenizer.ggml.model"',
      `tokenizer model "${model}" is not supported yet (supported: gpt2, the byte-level BPE of Llama 3, Qwen2, SmolLM and GPT-2 families)`);
  const pre = meta.optionalString('tokenizer.ggml.pre') ?? 'default';
  const preTokenizer = PRE_TOKENIZERS[pre];
  if (!preTokenizer)
    throw new ModelImportError(file.label, 'metadata "tokenizer.ggml.pre"', `pre-tokenizer "${pre}" is not supported (supported: ${KNOWN_PRE_TOKENIZERS.join(', ')})`);

  const tokens = meta.stringArray('tokenizer.ggml.tokens');
  const merges = meta.stringArray('tokenizer.ggml.merges');
  const types = meta.optionalIntArray('tokenizer.ggml.token_type', tokens.length);
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => {
    if (Object.hasOwn(vocab, token)) throw new ModelImportError(file.label, `metadata "tokenizer.ggml.tokens"[${id}]`, `token ${JSON.stringify(token)} appears twice (first at id ${vocab[token]})`);
    vocab[token] = id;
  });
  const pairs = merges.map((merge, i) => {
    const parts = merge.split(' ');
    if (parts.length !== 2 || !Object.hasOwn(vocab, parts[0]) || !Object.hasOwn(vocab, parts[1]))
      throw new ModelImportError(file.label, `metadata "tokenizer.ggml.merges"[${i}]`, `${JSON.stringify(merge)} is not two vocabulary tokens separated by one space`);
    return parts;
  });

  // Control and user-defined tokens are matched whole before the BPE runs, as llama.cpp does.
  const addedTokens = tokens.flatMap((content, id) => {
    const type = types?.[id] ?? TOKEN_TYPE.normal;
    if (type !== TOKEN_TYPE.control && type !== TOKEN_TYPE.userDefined) return [];
    return [{ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: type === TOKEN_TYPE.control }];
  });

  const tokenAt = (key: string) => {
    const id = meta.optionalInt(key);
    if (id === undefined) return undefined;
    if (id < 0 || id >= tokens.length) throw new ModelImportError(file.label, `metadata "${key}"`, `token id ${id} is outside the vocabulary (0 to ${tokens.length - 1})`);
    return id;
  };
  const bos = tokenAt('tokenizer.ggml.bos_token_id');
  const eos = tokenAt('tokenizer.ggml.eos_token_id');
  const unk = tokenAt('tokenizer.ggml.unknown_token_id');
  const pad = tokenAt('tokenizer.ggml.padding_token_id');
  const addBos = meta.optionalBool('tokenizer.ggml.add_bos_token') ?? false;
  const addEos = meta.optionalBool('tokenizer.ggml.add_eos_token') ?? false;

  const specialProcessing = (addBos && bos !== undefined) || (addEos && eos !== undefined)
    ? {
        type: 'TemplateProcessing',
        single: [...(addBos ? [{ SpecialToken: { id: tokens[bos!], type_id: 0 } }] : []), { Sequence: { id: 'A', type_id: 0 } }, ...(addEos ? [{ SpecialToken: { id: tokens[eos!], type_id: 0 } }] : [])],
        pair: [...(addBos ? [{ SpecialToken: { id: tokens[bos!], type_id: 0 } }] : []), { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, ...(addEos ? [{ SpecialToken: { id: tokens[eos!], type_id: 0 } }] : [])],
        special_tokens: Object.fromEntries([...(addBos ? [bos!] : []), ...(addEos ? [eos!] : [])].map((id) => [tokens[id], { id: tokens[id], ids: [id], tokens: [tokens[id]] }])),
      }
    : { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: preTokenizer(),
    post_processor: specialProcessing,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: unk === undefined ? null : tokens[unk], continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: pairs,
    },
  };
  const template = meta.optionalString('tokenizer.chat_template');
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    add_bos_token: addBos,
    add_eos_token: addEos,
    clean_up_tokenization_spaces: false,
    model_max_length: meta.optionalInt(`${meta.optionalString('general.architecture') ?? 'llama'}.context_length`) ?? 2048,
    ...(bos !== undefined ? { bos_token: tokens[bos] } : {}),
    ...(eos !== undefined ? { eos_token: tokens[eos] } : {}),
    ...(unk !== undefined ? { unk_token: tokens[unk] } : {}),
    ...(pad !== undefined ? { pad_token: tokens[pad] } : {}),
    ...(template !== undefined ? { chat_template: template } : {}),
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...token }) => [String(id), token])),
  };
  return { tokenizerJson, tokenizerConfig, bosTokenId: bos, eosTokenId: eos, vocabSize: tokens.length };
}

/** Typed reads of GGUF metadata; a missing or mistyped key is an error naming it. */
export class MetadataReader {
  constructor(private readonly file: GgufFile) {}

  private fail(key: string, expected: string, value: GgufValue | undefined): never {
    throw new ModelImportError(this.file.label, `metadata "${key}"`,
      value === undefined ? `missing (expected ${expected})` : `expected ${expected}, found ${describe(value)}`);
  }

  string(key: string): string {
    const value = this.file.metadata.get(key);
    return typeof value === 'string' ? value : this.fail(key, 'a string', value);
  }

  optionalString(key: string): string | undefined {
    return this.file.metadata.has(key) ? this.string(key) : undefined;
  }

  int(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.file.metadata.get(key);
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.fail(key, 'an integer', value);
    if (value < min || value > max) return this.fail(key, `an integer from ${min} to ${max}`, value);
    return value;
  }

  optionalInt(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    return this.file.metadata.has(key) ? this.int(key, min, max) : undefined;
  }

  float(key: string): number {
    const value = this.file.metadata.get(key);
    return typeof value === 'number' && Number.isFinite(value) ? value : this.fail(key, 'a finite number', value);
  }

  optionalFloat(key: string): number | undefined {
    return this.file.metadata.has(key) ? this.float(key) : undefined;
  }

  optionalBool(key: string): boolean | undefined {
    const value = this.file.metadata.get(key);
    return value === undefined || typeof value === 'boolean' ? value : this.fail(key, 'a boolean', value);
  }

  stringArray(key: string): string[] {
    const value = this.file.metadata.get(key);
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return this.fail(key, 'an array of strings', value);
    return value as string[];
  }

  optionalIntArray(key: string, length: number): number[] | undefined {
    const value = this.file.metadata.get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) return this.fail(key, 'an array of integers', value);
    if (value.length !== length) return this.fail(key, `${length} entries (one per token)`, `${value.length} entries`);
    return value as number[];
  }
}

function describe(value: GgufValue): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
}

/**
 * The `tokenizer.ggml.pre` name llama.cpp needs for a tokenizer.json's pre-tokenizer, found by comparing its
 * split steps with those of each known name (so the export writes back what the import reads); undefined
 * when it matches none. A Digits step that isolates digits counts as a \p{N} split, as in llama.cpp.
 */
export function ggufPreTokenizerName(preTokenizer: unknown): string | undefined {
  const wanted = splitSteps(preTokenizer);
  if (wanted === undefined) return undefined;
  for (const name of ['gpt2', 'smollm', 'llama-bpe', 'qwen2']) if (splitSteps(PRE_TOKENIZERS[name]()) === wanted) return name;
  return undefined;
}

function splitSteps(node: unknown): string | undefined {
  const step = node as { type?: string; pretokenizers?: unknown[]; pattern?: { Regex?: string }; individual_digits?: boolean; use_regex?: boolean } | null;
  if (!step || typeof step !== 'object') return undefined;
  switch (step.type) {
    case 'Sequence': {
      const parts = (step.pretokenizers ?? []).map(splitSteps);
      return parts.some((p) => p === undefined) ? undefined : parts.join(' | ');
    }
    case 'Split': {
      const regex = step.pattern?.Regex;
      return regex === undefined ? undefined : `split ${regex === QWEN2_SPLIT_LLAMA_CPP ? QWEN2_SPLIT : regex}`;
    }
    case 'Digits':
      return step.individual_digits ? 'split \\p{N}' : undefined;
    case 'ByteLevel':
      return step.use_regex === false ? 'bytes' : 'gpt2-split | bytes';
    default:
      return undefined;
  }
}

/** Qwen2's split as llama.cpp spells it (case classes instead of `(?i:...)`): the same split. */
const QWEN2_SPLIT_LLAMA_CPP =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
