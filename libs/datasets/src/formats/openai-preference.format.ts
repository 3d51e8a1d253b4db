import { preferencePairSchema } from '../conversation/conversation.schema';
import { validateConversation } from '../conversation/validate-conversation';
import { issuesFromZod, isPlainObject } from './field-issue';
import { fail, type FormatReader } from './format-reader';
import { flattenMessages } from './openai-messages';

/**
 * OpenAI preference (DPO) JSONL. Tool calls in either output are kept, and each output is checked as a
 * continuation of the input, so a preferred output calling a tool the input never offered is caught.
 */
export const openAIPreferenceFormat: FormatReader = {
  format: 'openai_preference',
  score(value) {
    return isPlainObject(value) && 'input' in value && 'preferred_output' in value && 'non_preferred_output' in value ? 3 : 0;
  },
  normalize(value) {
    let input = value;
    if (isPlainObject(value)) {
      const rawInput = isPlainObject(value.input) ? { ...value.input, messages: flattenMessages(value.input.messages) } : value.input;
      input = {
        ...value,
        input: rawInput,
        preferred_output: flattenMessages(value.preferred_output),
        non_preferred_output: flattenMessages(value.non_preferred_output),
      };
    }
    const parsed = preferencePairSchema.safeParse(input);
    if (!parsed.success) return fail(issuesFromZod(parsed.error, input));
    const pair = parsed.data;
    const issues = validateConversation(pair.input, 'input', { requireAssistant: false });
    for (const side of ['preferred_output', 'non_preferred_output'] as const) {
      const continued = { ...pair.input, messages: [...pair.input.messages, ...pair[side]] };
      const offset = pair.input.messages.length;
      for (const issue of validateConversation(continued)) {
        // Re-anchor paths of issues inside the output so they point into the output array.
        const match = /^messages\[(\d+)\](.*)$/.exec(issue.path);
        if (match && Number(match[1]) >= offset) issues.push({ ...issue, path: `${side}[${Number(match[1]) - offset}]${match[2]}` });
      }
    }
    if (issues.length) return fail(issues);
    return { ok: true, record: { kind: 'preference', pair } };
  },
};
