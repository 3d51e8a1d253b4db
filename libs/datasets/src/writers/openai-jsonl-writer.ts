import type { AssistantMessage, Conversation, Message, PreferencePair } from '../conversation/conversation.schema';
import { writeFileAtomically } from '../io/atomic-write';

/** Drops what OpenAI's format has no field for (ReAct reasoning); everything else is already OpenAI's shape. */
function toOpenAIMessage<M extends Message>(message: M): M {
  if (message.role !== 'assistant' || message.reasoning === undefined) return message;
  const copy: Partial<AssistantMessage> = { ...(message as AssistantMessage) };
  delete copy.reasoning;
  return copy as M;
}

export function conversationToOpenAIJson(conversation: Conversation): Conversation {
  return { ...conversation, messages: conversation.messages.map(toOpenAIMessage) };
}

export function preferenceToOpenAIJson(pair: PreferencePair): PreferencePair {
  return {
    input: conversationToOpenAIJson(pair.input),
    preferred_output: pair.preferred_output.map(toOpenAIMessage),
    non_preferred_output: pair.non_preferred_output.map(toOpenAIMessage),
  };
}

export type OpenAIWritable = { kind: 'conversation'; conversation: Conversation } | { kind: 'preference'; pair: PreferencePair };

async function* jsonLines(items: Iterable<OpenAIWritable> | AsyncIterable<OpenAIWritable>): AsyncGenerator<string> {
  for await (const item of items) {
    const json = item.kind === 'conversation' ? conversationToOpenAIJson(item.conversation) : preferenceToOpenAIJson(item.pair);
    yield `${JSON.stringify(json)}\n`;
  }
}

/** OpenAI chat (or preference) fine-tuning JSONL, written atomically. */
export function writeOpenAIJsonl(path: string, items: Iterable<OpenAIWritable> | AsyncIterable<OpenAIWritable>): Promise<{ bytes: number }> {
  return writeFileAtomically(path, jsonLines(items));
}
