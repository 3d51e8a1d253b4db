import type { Conversation } from '../conversation/conversation.schema';
import type { DatasetRecord } from '../conversation/dataset-record';

function conversationText(conversation: Conversation): string {
  return conversation.messages
    .map((m) => {
      if (m.role === 'assistant') return [m.content ?? '', ...(m.tool_calls ?? []).map((c) => `${c.function.name} ${c.function.arguments}`)].join(' ');
      return m.content;
    })
    .join('\n');
}

/**
 * The text two records are compared by for duplicates and leakage: everything said in the conversation,
 * tool calls included, without the tool list (samples sharing a tool set are not duplicates for that).
 */
export function recordText(record: DatasetRecord): string {
  switch (record.kind) {
    case 'conversation':
      return conversationText(record.conversation);
    case 'preference':
      return `${conversationText(record.pair.input)}\n${conversationText({ messages: record.pair.preferred_output })}`;
    case 'prompt_completion':
      return `${record.sample.prompt}\n${record.sample.completion}`;
  }
}
