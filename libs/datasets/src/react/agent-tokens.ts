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

interface AddedTokenEntry {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

interface TokenizerJsonShape {
  added_tokens?: AddedTokenEntry[];
  model: { vocab: Record<string, number> | Array<[string, number]> };
}

/**
 * Returns a copy of a `tokenizer.json` with the agent tokens added after every existing id, in the fixed
 * order, skipping any already present; applying it twice changes nothing, so training and merge that both
 * apply it agree on the ids. Tokens are not special: they must survive decoding into the agent's text.
 */
export function withAgentTokens<T extends TokenizerJsonShape>(tokenizerJson: T): { tokenizer: T; added: Array<{ content: string; id: number }> } {
  const copy = structuredClone(tokenizerJson);
  const addedTokens = copy.added_tokens ?? [];
  const vocabIds = Array.isArray(copy.model.vocab) ? copy.model.vocab.map((_, i) => i) : Object.values(copy.model.vocab);
  let nextId = Math.max(-1, ...vocabIds, ...addedTokens.map((t) => t.id)) + 1;
  const present = new Set(addedTokens.map((t) => t.content));
  const added: Array<{ content: string; id: number }> = [];
  for (const content of REACT_AGENT_TOKENS) {
    if (present.has(content)) continue;
    const entry: AddedTokenEntry = { id: nextId++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false };
    addedTokens.push(entry);
    added.push({ content, id: entry.id });
  }
  copy.added_tokens = addedTokens;
  return { tokenizer: copy, added };
}
