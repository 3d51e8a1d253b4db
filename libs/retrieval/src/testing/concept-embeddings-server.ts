import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenize } from '../bm25/tokenize';

const DIMENSIONS = 512;

/** FNV-1a: a stable bucket for a word, the same in every run. */
function bucket(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i += 1) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193) >>> 0;
  return hash % DIMENSIONS;
}

/**
 * For tests of embeddings and hybrid ranking (this library's and the retrieval service's): a real
 * OpenAI-compatible `POST /v1/embeddings` server whose model knows that some words mean the same thing.
 * Each text becomes a bag of hashed words after mapping every word through `concepts` (`refund` →
 * `reimbursement`), so a query and a passage that share a meaning but no word get similar vectors, which
 * is what dense retrieval adds to BM25. Chosen requests answer with an error status first.
 */
export class ConceptEmbeddingsServer {
  readonly requests: Array<{ model: string; input: string[]; authorization?: string }> = [];
  /** Statuses to answer with, by 1-based request number. */
  failures = new Map<number, number>();
  private server?: Server;

  constructor(private readonly concepts: Record<string, string> = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  embed(text: string): number[] {
    const vector = new Array<number>(DIMENSIONS).fill(0);
    for (const word of tokenize(text)) vector[bucket(this.concepts[word] ?? word)] += 1;
    return vector;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(text) as { model: string; input: string | string[] };
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    this.requests.push({ model: body.model, input, authorization: req.headers.authorization });
    const status = this.failures.get(this.requests.length);
    if (status) {
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 && { 'retry-after': '0' }) });
      res.end(JSON.stringify({ error: { message: status === 429 ? 'rate limited' : 'boom', type: 'server_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        model: body.model,
        data: input.map((t, index) => ({ object: 'embedding', index, embedding: this.embed(t) })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      }),
    );
  }
}
