import { promptCompletionSchema } from '../conversation/conversation.schema';
import { issuesFromZod, isPlainObject } from './field-issue';
import { fail, type FormatReader } from './format-reader';

/** Legacy `{prompt, completion}` JSONL, the format reference 000 tunes ReAct agents with. Kept verbatim. */
export const promptCompletionFormat: FormatReader = {
  format: 'prompt_completion',
  score(value) {
    return isPlainObject(value) && typeof value.prompt === 'string' && 'completion' in value ? 2 : 0;
  },
  normalize(value) {
    const parsed = promptCompletionSchema.safeParse(value);
    if (!parsed.success) return fail(issuesFromZod(parsed.error, value));
    return { ok: true, record: { kind: 'prompt_completion', sample: parsed.data } };
  },
};
