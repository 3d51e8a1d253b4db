import type { Conversation, DatasetRecord } from '@tuneforge/datasets';
import { formatSearchResults, type SearchFunction } from '@tuneforge/retrieval-kit';

export interface RetrievalAugmentation {
  search: SearchFunction;
  /** Passages per sample. */
  k: number;
}

/** What the report says about augmentation. */
export interface AugmentationSummary {
  k: number;
  /** Samples that got at least one passage. */
  augmentedRecords: number;
  /** Samples whose user turns matched no passage, left as they were. */
  unmatchedRecords: number;
}

const HEADER = 'Use the following reference passages when they are relevant:';

function contextBlock(results: Parameters<typeof formatSearchResults>[0]): string {
  return `${HEADER}\n${formatSearchResults(results)}`;
}

/** The system message gets the passages: after the one the sample has, or as a new first message. */
function withContext(conversation: Conversation, context: string): Conversation {
  const [first, ...rest] = conversation.messages;
  const messages = first.role === 'system' ? [{ ...first, content: `${first.content}\n\n${context}` }, ...rest] : [{ role: 'system' as const, content: context }, ...conversation.messages];
  return { ...conversation, messages };
}

/** The query for a sample: what its user asks. The assistant's side is what training must teach, so it never queries. */
function queryOf(record: DatasetRecord): string {
  if (record.kind === 'prompt_completion') return record.sample.prompt;
  const messages = record.kind === 'conversation' ? record.conversation.messages : record.pair.input.messages;
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
}

/**
 * Adds the `k` passages that best match each sample's user turns to the sample, as context in its system
 * message (prepended to the prompt of a prompt/completion sample, which has no system message). A sample
 * whose user turns match nothing is left as it is: an empty context block teaches nothing.
 */
export async function augmentWithRetrieval(records: readonly DatasetRecord[], augmentation: RetrievalAugmentation): Promise<{ records: DatasetRecord[]; augmented: number }> {
  let augmented = 0;
  const out: DatasetRecord[] = [];
  for (const record of records) {
    const results = await augmentation.search(queryOf(record), augmentation.k);
    if (results.length === 0) {
      out.push(record);
      continue;
    }
    augmented += 1;
    const context = contextBlock(results);
    if (record.kind === 'conversation') out.push({ ...record, conversation: withContext(record.conversation, context) });
    else if (record.kind === 'preference') out.push({ ...record, pair: { ...record.pair, input: withContext(record.pair.input, context) } });
    else out.push({ ...record, sample: { ...record.sample, prompt: `${context}\n\n${record.sample.prompt}` } });
  }
  return { records: out, augmented };
}
