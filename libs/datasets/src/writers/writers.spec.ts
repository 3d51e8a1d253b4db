import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectDataset } from '../read-dataset';
import { writeFileAtomically } from '../io/atomic-write';
import { csvLine, neutralizeCell, writeCsv } from './csv-writer';
import { writeOpenAIJsonl } from './openai-jsonl-writer';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'writers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV export', () => {
  it.each(['=SUM(A1:A2)', '+1', '-2', '@cmd', '\tx'])('neutralizes the formula-looking cell %j', (cell) => {
    expect(neutralizeCell(cell)).toBe(`'${cell}`);
  });

  it('leaves ordinary cells alone and quotes per RFC 4180', () => {
    expect(neutralizeCell('hello = world')).toBe('hello = world');
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 'plain'])).toBe('"a,b","say ""hi""","two\nlines",plain\r\n');
  });

  it('writes rows that read back, formulas neutralized', async () => {
    const path = join(dir, 'out.csv');
    await writeCsv(path, ['prompt', 'completion'], [
      { prompt: 'What is 2+2?', completion: '4' },
      { prompt: 'Formula?', completion: '=SUM(A1:A2)' },
    ]);
    const { records, errors } = await collectDataset(path);
    expect(errors).toEqual([]);
    expect(records.map((r) => (r.kind === 'prompt_completion' ? r.sample.completion : ''))).toEqual(['4', "'=SUM(A1:A2)"]);
  });
});

describe('atomic writes', () => {
  it('leaves neither the target nor a temporary file when producing the content fails', async () => {
    const path = join(dir, 'out.jsonl');
    async function* failing(): AsyncGenerator<string> {
      yield '{"a":1}\n';
      throw new Error('bad record');
    }
    await expect(writeFileAtomically(path, failing())).rejects.toThrow('bad record');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the previous file intact until the new one is complete', async () => {
    const path = join(dir, 'out.jsonl');
    writeFileSync(path, 'old\n');
    async function* failing(): AsyncGenerator<string> {
      yield 'new\n';
      throw new Error('stop');
    }
    await expect(writeFileAtomically(path, failing())).rejects.toThrow('stop');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    await writeOpenAIJsonl(path, [{ kind: 'conversation', conversation: { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', reasoning: 'r' }] } }]);
    expect(readFileSync(path, 'utf8')).toBe('{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n');
    expect(existsSync(path)).toBe(true);
  });
});
