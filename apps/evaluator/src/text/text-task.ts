import { REACT_STOP_SEQUENCE, renderChat, type ModelTokenizer } from '@tuneforge/datasets';
import { encodeRenderedChat, encodeTextPrompt, renderChatPrompt } from '@tuneforge/serving';
import type { EvaluationRecord } from '../inputs/read-evaluation-set';

/** What one model is asked for one example, and what it should answer. */
export interface TextTask {
  promptIds: number[];
  /** The reference answer as text (special tokens removed): what the model is expected to write. */
  reference: string;
  /**
   * Stop strings, as a client of the endpoint sends them: ReAct's `\nObservation:` (LangChain's ReAct agent's
   * stop) for ReAct turns, none for chat answers. The end of a turn is the model's end-of-sequence ids, which the
   * serving path gives the engine for every generation.
   */
  stop: string[];
}

/**
 * The prompt is everything before the last assistant turn, rendered by the model's own chat template with
 * the generation prompt and encoded as `/v1/chat/completions` does (libs/serving); the reference is that turn as the same template renders it (its text, or its
 * tool calls the way the model was trained to write them), so the comparison is with what the model was
 * taught to produce. Prompt/completion records (ReAct completion mode) are prompted as `/v1/completions`
 * encodes a prompt and compared raw, the completion without the stop sequence it ends on. Undefined when the record has no assistant turn to compare with.
 */
export function textTask(tokenizer: ModelTokenizer, record: EvaluationRecord): TextTask | undefined {
  if (record.kind === 'prompt_completion') {
    const completion = record.sample.completion;
    const reference = completion.endsWith(REACT_STOP_SEQUENCE) ? completion.slice(0, -REACT_STOP_SEQUENCE.length) : completion;
    return { promptIds: encodeTextPrompt(tokenizer, record.sample.prompt), reference: cleanText(tokenizer, reference), stop: [REACT_STOP_SEQUENCE] };
  }
  const { messages, tools } = record.conversation;
  const last = messages.map((message) => message.role).lastIndexOf('assistant');
  if (last < 0) return undefined;
  const before = renderChatPrompt(tokenizer, messages.slice(0, last), tools);
  // Rendered with the tools exactly when the prompt is (an empty list is none, as the endpoint renders it).
  const through = renderChat(tokenizer, messages.slice(0, last + 1), tools?.length ? tools : undefined);
  const turn = messages[last];
  if (turn.role !== 'assistant') return undefined;
  // A template that renders earlier turns differently once later ones exist has no clean turn boundary: fall back to the content.
  const fallback = turn.content ?? (turn.tool_calls ?? []).map((call) => JSON.stringify({ name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown })).join('\n');
  const referenceText = through.startsWith(before) ? through.slice(before.length) : fallback;
  const reactTurn = /(^|\n)Action:/.test(turn.content ?? '');
  return {
    promptIds: encodeRenderedChat(tokenizer, before),
    reference: cleanText(tokenizer, referenceText),
    stop: reactTurn ? [REACT_STOP_SEQUENCE] : [],
  };
}

/** Text without special tokens and surrounding whitespace, as metrics should see it. */
export function cleanText(tokenizer: ModelTokenizer, text: string): string {
  let out = text;
  for (const special of tokenizer.specialTokens) out = out.split(special).join('');
  return out.trim();
}
