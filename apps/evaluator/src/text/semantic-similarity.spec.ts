import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cosine, semanticSimilarities } from './semantic-similarity';

describe('cosine', () => {
  it('is 1 for the same direction, 0 for orthogonal or empty vectors, and refuses different sizes', () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 5])).toBe(0);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(() => cosine([1], [1, 2])).toThrow('embeddings of different sizes (1 and 2)');
  });
});

describe('semanticSimilarities', () => {
  it('embeds hypotheses and references in one request per batch and clamps opposite meanings at 0', async () => {
    const vectors: Record<string, number[]> = { yes: [1, 0], 'yes!': [1, 0.1], no: [-1, 0], maybe: [0, 1] };
    const bodies: Array<{ model: string; input: string[] }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const parsed = JSON.parse(body) as { model: string; input: string[] };
        bodies.push(parsed);
        // Out of order on purpose: vectors are matched to texts by their index.
        const data = parsed.input.map((text, index) => ({ object: 'embedding', index, embedding: vectors[text] })).reverse();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: parsed.model, usage: { prompt_tokens: 0, total_tokens: 0 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const values = await semanticSimilarities({ baseURL, model: 'embed-1' }, ['yes', 'no', 'maybe'], ['yes!', 'yes', 'yes']);
      expect(values[0]).toBeGreaterThan(0.99);
      expect(values[1]).toBe(0);
      expect(values[2]).toBe(0);
      expect(bodies).toEqual([{ model: 'embed-1', input: ['yes', 'no', 'maybe', 'yes!', 'yes', 'yes'], encoding_format: 'float' }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
