import { conversationSchema } from '../conversation/conversation.schema';
import { validateConversation } from '../conversation/validate-conversation';
import { issuesFromZod, isPlainObject } from './field-issue';
import { fail, type FormatReader } from './format-reader';
import { flattenMessages, looksLikeRoleMessages } from './openai-messages';

/** OpenAI chat fine-tuning JSONL: `{messages, tools?, parallel_tool_calls?}` per line, read strictly. */
export const openAIChatFormat: FormatReader = {
  format: 'openai_chat',
  score(value) {
    return isPlainObject(value) && looksLikeRoleMessages(value.messages) ? 2 : 0;
  },
  normalize(value) {
    const input = isPlainObject(value) ? { ...value, messages: flattenMessages(value.messages) } : value;
    const parsed = conversationSchema.safeParse(input);
    if (!parsed.success) return fail(issuesFromZod(parsed.error, input));
    const issues = validateConversation(parsed.data);
    if (issues.length) return fail(issues);
    return { ok: true, record: { kind: 'conversation', conversation: parsed.data } };
  },
};
