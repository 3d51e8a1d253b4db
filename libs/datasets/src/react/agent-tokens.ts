/**
 * The step markers of a LangChain ReAct agent (reference 000). With the "agent tokens" option each marker
 * becomes one token, so the model emits a step boundary in one decision and the agent's stop sequence is a
 * single token. The list and its order are fixed here because the ids they receive must be the same when
 * fine-tuning and when merging the adapter; a different order would silently swap embeddings.
 */
export const REACT_AGENT_TOKENS = ['\nNew Input', '\nThought', '\nAction', '\nAction Input', '\nObservation', '\nFinal Answer'] as const;
export type ReactAgentToken = (typeof REACT_AGENT_TOKENS)[number];

/** The agent stops generation here and runs the tool, so every tool-step completion must end with it. */
export const REACT_STOP_SEQUENCE = '\nObservation:';

export const NO_TOOL_THOUGHT = 'Do I need to use a tool? No.';
export const TOOL_THOUGHT = 'Do I need to use a tool? Yes.';

export interface AddedTokenEntry {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface TokenizerJsonShape {
  added_tokens?: AddedTokenEntry[];
  model: { vocab: Record<string, number> | Array<[string, number]> };
}

export interface AddedTokensOptions {
  /**
   * The model's `vocab_size` (embedding rows). Ids start after both the tokenizer's ids and the model's rows,
   * which is where the engine grows new rows (`Model.addTokens`); it matters when a model pads its vocabulary
   * beyond the tokenizer (Qwen2: 151936 rows, 151665 tokenizer ids), where the next free tokenizer id would
   * land on an unused padding row instead of the new mean-initialised one.
   */
  vocabSize?: number;
}

/**
 * Returns a copy of a `tokenizer.json` with `contents` added after every existing id (and after the model's
 * rows when `options.vocabSize` is given), in the given order, skipping any already present; applying it twice
 * changes nothing. Tokens are not special (they must survive decoding into the agent's text) and not
 * normalized (matched on the raw text, like the non-special tokens HF model repos ship, e.g. `<tool_call>`).
 * This is the one definition of added-token ids: `withAgentTokens` (tokenization) and the engine's
 * `Model.addTokens` / export (libs/engine) both use it.
 */
export function withAddedTokens<T extends TokenizerJsonShape>(
  tokenizerJson: T,
  contents: readonly string[],
  options: AddedTokensOptions = {},
): { tokenizer: T; added: Array<{ content: string; id: number }> } {
  const copy = structuredClone(tokenizerJson);
  const addedTokens = copy.added_tokens ?? [];
  // A loop, not Math.max(...ids): a 150k-token vocabulary (Qwen) is more arguments than a call takes.
  let highest = Math.max(-1, (options.vocabSize ?? 0) - 1, Array.isArray(copy.model.vocab) ? copy.model.vocab.length - 1 : -1);
  if (!Array.isArray(copy.model.vocab)) for (const id of Object.values(copy.model.vocab)) highest = Math.max(highest, id);
  for (const t of addedTokens) highest = Math.max(highest, t.id);
  let nextId = highest + 1;
  const present = new Set(addedTokens.map((t) => t.content));
  const added: Array<{ content: string; id: number }> = [];
  for (const content of contents) {
    if (present.has(content)) continue;
    present.add(content);
    const entry: AddedTokenEntry = { id: nextId++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false };
    addedTokens.push(entry);
    added.push({ content, id: entry.id });
  }
  copy.added_tokens = addedTokens;
  return { tokenizer: copy, added };
}

/** `withAddedTokens` with the agent tokens in their fixed order: the ids fine-tune and merge agree on. */
export function withAgentTokens<T extends TokenizerJsonShape>(
  tokenizerJson: T,
  options: AddedTokensOptions = {},
): { tokenizer: T; added: Array<{ content: string; id: number }> } {
  return withAddedTokens(tokenizerJson, REACT_AGENT_TOKENS, options);
}
