import { FilesystemArtifactStore, ArtifactWriter, type ArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataReportFile, jobTools, reactRecords } from '../testing/synthetic-runs';
import { DiagnosisInputError } from '../diagnosis/diagnosis-input-error';
import { readDataEvidence } from './read-data-evidence';

async function commit(store: ArtifactStore, prefix: string, files: Record<string, string>): Promise<string> {
  const writer = await ArtifactWriter.begin(store, prefix, { kind: 'test' });
  for (const [path, body] of Object.entries(files)) await writer.addFile(path, body);
  await writer.commit();
  return prefix;
}

describe('readDataEvidence', () => {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'debugger-read-'))).forTenant('t1');
  const records = reactRecords({ tool: 6, noTool: 4, missingStop: 2 });
  const train = records.map((r) => (r.kind === 'prompt_completion' ? `${JSON.stringify(r.sample)}\n` : '')).join('');

  it('reads the committed report and the training samples, locating defects in the stored file', async () => {
    const dataReport = await commit(store, 'good/report', { 'report.json': JSON.stringify(dataReportFile(records)) });
    const dataset = await commit(store, 'good/dataset', { 'train.jsonl': train });
    const data = await readDataEvidence(store, { dataReport, dataset }, jobTools());
    expect(data.reactToolSamples).toBe(6);
    expect(data.reactDefects.stop_at_observation).toEqual({ count: 2, examples: [1, 2].map((line) => ({ file: 'good/dataset/train.jsonl', line })) });
  });

  it('refuses what is not there or not readable, naming the field, the file and the line', async () => {
    const dataset = await commit(store, 'ok/dataset', { 'train.jsonl': train });
    const report = await commit(store, 'ok/report', { 'report.json': JSON.stringify(dataReportFile(records)) });
    const read = (prefixes: { dataReport: string; dataset: string }) => readDataEvidence(store, prefixes, jobTools());

    await expect(read({ dataReport: 'nowhere/report', dataset })).rejects.toThrow(DiagnosisInputError);
    await expect(read({ dataReport: report, dataset: 'nowhere/dataset' })).rejects.toThrow(/^dataset: expected a committed artifact with train\.jsonl at "nowhere\/dataset"/);
    const notJson = await commit(store, 'not-json/report', { 'report.json': '{ "recordKind": ' });
    await expect(read({ dataReport: notJson, dataset })).rejects.toThrow(/not-json\/report\/report\.json: expected JSON/);
    const badLine = await commit(store, 'bad-line/dataset', { 'train.jsonl': `${train}{"prompt": "x", "completion": 3}\n` });
    await expect(read({ dataReport: report, dataset: badLine })).rejects.toThrow(/bad-line\/dataset\/train\.jsonl: 1 unreadable record\(s\); line 11/);
  });
});
