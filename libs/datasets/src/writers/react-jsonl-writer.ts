import type { Conversation, PromptCompletion } from '../conversation/conversation.schema';
import { writeFileAtomically } from '../io/atomic-write';
import { conversationToReact, type ReactRenderOptions } from '../react/react-transcript';

export type ReactWritable = { kind: 'conversation'; conversation: Conversation } | { kind: 'prompt_completion'; sample: PromptCompletion };

async function* reactLines(items: Iterable<ReactWritable> | AsyncIterable<ReactWritable>, options: ReactRenderOptions): AsyncGenerator<string> {
  for await (const item of items) {
    const samples = item.kind === 'conversation' ? conversationToReact(item.conversation, options) : [item.sample];
    for (const { prompt, completion } of samples) yield `${JSON.stringify({ prompt, completion })}\n`;
  }
}

/** ReAct prompt/completion JSONL (reference 000), one line per trained agent step, written atomically. */
export function writeReactJsonl(
  path: string,
  items: Iterable<ReactWritable> | AsyncIterable<ReactWritable>,
  options: ReactRenderOptions = {},
): Promise<{ bytes: number }> {
  return writeFileAtomically(path, reactLines(items, options));
}
