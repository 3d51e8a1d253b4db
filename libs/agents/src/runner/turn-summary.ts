import type { TurnRecord } from './run-agent';

/** One turn of an episode as reports keep it: the generation, how it ended, what it was read as, and its tool calls. */
export interface TurnSummary {
  raw: string;
  finishReason: string;
  stop?: string;
  /** What the parser read: `tool_calls`, `final_answer`, `error`, ... */
  action: string;
  error?: string;
  calls: Array<{ name: string; arguments: Record<string, unknown>; observation: string }>;
}

/**
 * A turn of libs/agents' runner as the evaluation report and the training rollouts keep it. Texts longer than
 * `maxChars` (when given) are cut with a marker saying how much was left out: a report stays readable and bounded
 * when a model rambles or a tool answers with a whole document.
 */
export function summarizeTurn(turn: TurnRecord, maxChars?: number): TurnSummary {
  const cut = (text: string) => (maxChars !== undefined && text.length > maxChars ? `${text.slice(0, maxChars)}… [${text.length - maxChars} more characters]` : text);
  return {
    raw: cut(turn.raw),
    finishReason: turn.finishReason,
    ...(turn.stop !== undefined ? { stop: turn.stop } : {}),
    action: turn.parsed.kind,
    ...(turn.parseError ? { error: `${turn.parseError.code}: expected ${turn.parseError.expected}` } : {}),
    calls: turn.toolCalls.map((call) => ({ name: call.name, arguments: call.arguments, observation: cut(call.outcome.observation) })),
  };
}
