import type { GraderMessage } from '@tuneforge/contracts';
import type { GraderInput } from '../grader-types';
import { renderTemplate } from '../template';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * A model grader's prompt as chat messages: templates rendered, text blocks joined, and `developer` sent as `system`
 * (what OpenAI-compatible servers other than OpenAI's, Tuneforge's included, understand).
 */
export function renderGraderMessages(messages: readonly GraderMessage[], input: GraderInput): ChatMessage[] {
  return messages.map((message) => {
    const blocks = typeof message.content === 'string' ? [message.content] : Array.isArray(message.content) ? message.content.map((b) => b.text) : [message.content.text];
    return { role: message.role === 'developer' ? 'system' : message.role, content: blocks.map((block) => renderTemplate(block, input)).join('\n') };
  });
}
