import { isPlainObject } from './field-issue';

/**
 * OpenAI accepts message content as a string or as an array of content parts. The internal form keeps
 * text only, so text parts are joined here; any other part type is left in place for the schema to reject
 * with its path (images and audio are not trainable by a text model).
 */
export function flattenContent(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  if (!content.every((part) => isPlainObject(part) && part.type === 'text' && typeof part.text === 'string')) return content;
  return content.map((part) => (part as { text: string }).text).join('');
}

export function flattenMessages(messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages;
  return messages.map((message) => (isPlainObject(message) && 'content' in message ? { ...message, content: flattenContent(message.content) } : message));
}

export function looksLikeRoleMessages(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => isPlainObject(m) && typeof m.role === 'string');
}
