import { type AgentTool, ToolError } from './agent-tool';

export interface RetrievedPassage {
  text: string;
  /** Document or chunk id, shown to the model so it can cite. */
  id?: string;
  source?: string;
  score?: number;
}

/** Any retriever (libs/retrieval's BM25 index, a vector store): the top `k` passages for `query`. */
export type SearchFunction = (query: string, k: number) => Promise<readonly RetrievedPassage[]> | readonly RetrievedPassage[];

export interface RetrievalToolOptions {
  search: SearchFunction;
  name?: string;
  description?: string;
  /** Passages returned when the model does not ask for a number (default 3). */
  defaultK?: number;
  /** Most passages the model may ask for (default 10). */
  maxK?: number;
  /** Each passage is cut to this many characters in the observation (default 1000). */
  maxPassageChars?: number;
}

/** A search tool over the job's documents: `{query, k?}` in, numbered passages out. */
export function createRetrievalTool(options: RetrievalToolOptions): AgentTool {
  const defaultK = options.defaultK ?? 3;
  const maxK = options.maxK ?? 10;
  const maxChars = options.maxPassageChars ?? 1000;
  return {
    name: options.name ?? 'search',
    description: options.description ?? 'Searches the knowledge base and returns the most relevant passages.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, description: 'What to look for' },
        k: { type: 'integer', minimum: 1, maximum: maxK, description: `How many passages (default ${defaultK})` },
      },
      required: ['query'],
      additionalProperties: false,
    },
    execute: async (args) => {
      const query = String(args.query).trim();
      if (!query) throw new ToolError('the query is empty');
      const k = typeof args.k === 'number' ? args.k : defaultK;
      const passages = (await options.search(query, k)).slice(0, k);
      if (passages.length === 0) return `No passages found for ${JSON.stringify(query)}.`;
      return passages
        .map((p, i) => {
          const label = [p.id, p.source].filter(Boolean).join(', ');
          const text = p.text.length > maxChars ? `${p.text.slice(0, maxChars)}…` : p.text;
          return `[${i + 1}]${label ? ` (${label})` : ''} ${text}`;
        })
        .join('\n');
    },
  };
}
