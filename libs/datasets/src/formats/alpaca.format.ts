import type { Message } from '../conversation/conversation.schema';
import { isPlainObject, type FieldIssue } from './field-issue';
import { finishConversation } from './finish-conversation';
import type { FormatReader } from './format-reader';

/**
 * Alpaca: `{instruction, input?, output, system?, history?}`. The input, when present, follows the
 * instruction after a blank line, as the Alpaca prompt does; history pairs become earlier turns.
 */
export const alpacaFormat: FormatReader = {
  format: 'alpaca',
  score(value) {
    return isPlainObject(value) && 'instruction' in value && 'output' in value ? 3 : 0;
  },
  normalize(value) {
    const issues: FieldIssue[] = [];
    if (!isPlainObject(value)) return finishConversation(undefined, [{ path: '', expected: 'an object {instruction, input?, output}' }]);
    for (const field of ['instruction', 'output'] as const) {
      if (typeof value[field] !== 'string') issues.push({ path: field, expected: 'a string' });
    }
    for (const field of ['input', 'system'] as const) {
      if (value[field] !== undefined && value[field] !== null && typeof value[field] !== 'string') issues.push({ path: field, expected: 'a string' });
    }
    const messages: Message[] = [];
    if (typeof value.system === 'string' && value.system) messages.push({ role: 'system', content: value.system });
    if (value.history !== undefined && value.history !== null) {
      if (!Array.isArray(value.history)) issues.push({ path: 'history', expected: 'an array of [instruction, response] pairs' });
      else
        value.history.forEach((pair: unknown, i: number) => {
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
            issues.push({ path: `history[${i}]`, expected: 'a pair [instruction, response] of strings' });
            return;
          }
          messages.push({ role: 'user', content: pair[0] }, { role: 'assistant', content: pair[1] });
        });
    }
    const input = typeof value.input === 'string' && value.input ? `\n\n${value.input}` : '';
    // A field that is not a string was reported above; its text here is never used, and String() of an object
    // whose toString is broken would throw.
    const text = (field: unknown) => (typeof field === 'string' ? field : '');
    messages.push({ role: 'user', content: `${text(value.instruction)}${input}` }, { role: 'assistant', content: text(value.output) });
    return finishConversation({ messages }, issues);
  },
};
