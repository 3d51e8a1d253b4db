import type { LabelModelGrader } from '@tuneforge/contracts';
import { GraderSampleError } from '../grader-errors';
import type { GraderImplementation } from '../grader-types';
import { chatReply } from '../model/chat-reply';
import { renderGraderMessages } from '../model/render-messages';

/**
 * OpenAI's label_model: the rendered messages go to `/chat/completions` of the context's endpoint, with a last system
 * message listing the labels (servers without structured outputs cannot be forced to answer with one). The reply is
 * read as a label: `{"result": label}` (OpenAI's structured output), the reply itself, or else the one label the text
 * names as a word (compared trimmed and ignoring case). Score 1 when it is a passing label, 0 otherwise; a reply that
 * names no label, or several, fails the sample (score 0 with the reason).
 */
export const runLabelModel: GraderImplementation<LabelModelGrader> = async (grader, input, ctx) => {
  const messages = [
    ...renderGraderMessages(grader.input, input),
    { role: 'system' as const, content: `Reply with exactly one of these labels and nothing else: ${grader.labels.map((l) => JSON.stringify(l)).join(', ')}.` },
  ];
  const content = await chatReply(ctx, { model: grader.model, messages });
  const label = labelOf(content, grader.labels);
  if (label === undefined) throw new GraderSampleError(`the grader model's reply names none of the labels (or several): ${JSON.stringify(content.slice(0, 200))}`);
  return { score: grader.passing_labels.includes(label) ? 1 : 0 };
};

const normal = (text: string) => text.trim().toLowerCase();

/** The label a reply gives: a JSON `result`, the whole reply, or the single label named in it as a word. */
export function labelOf(content: string, labels: readonly string[]): string | undefined {
  const exact = (text: string) => labels.find((label) => normal(label) === normal(text));
  try {
    const parsed = JSON.parse(content) as unknown;
    const value = typeof parsed === 'string' ? parsed : parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>).result ?? (parsed as Record<string, unknown>).label : undefined;
    if (typeof value === 'string' && exact(value)) return exact(value);
  } catch {
    // Not JSON: read the text.
  }
  const whole = exact(content.replace(/[.!"'`]+$/g, '').replace(/^["'`]+/, ''));
  if (whole) return whole;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const named = labels.filter((label) => new RegExp(`(^|[^\\p{L}\\p{N}_])${escape(normal(label))}($|[^\\p{L}\\p{N}_])`, 'u').test(normal(content)));
  return named.length === 1 ? named[0] : undefined;
}
