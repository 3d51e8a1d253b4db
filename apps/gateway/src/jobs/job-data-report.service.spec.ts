import { ArtifactWriter, FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { JobDataReportService } from './job-data-report.service';
import type { JobIterationsService } from './job-iterations.service';

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

/** Two trained iterations, each with its own data report in the tenant's store, and one not trained yet. */
async function setUp() {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-data-report-')));
  for (const iteration of [1, 2]) {
    const writer = await ArtifactWriter.begin(store.forTenant('acme'), `jobs/ftjob-1/data-preparation/prep-${iteration}/report`, { kind: 'data-report' });
    await writer.addFile('report.json', JSON.stringify({ iteration, report: { records: iteration * 10 } }));
    await writer.addFile('report.html', `<h1>iteration ${iteration}</h1>`);
    await writer.commit();
  }
  const trained = (iteration: number) => ({ iteration, trained: { dataReport: `jobs/ftjob-1/data-preparation/prep-${iteration}/report` } });
  const list = jest.fn(async (tenant: string, jobId: string) => {
    if (tenant !== 'acme' || jobId !== 'ftjob-1') throw new ObjectNotFoundError('fine_tuning.job', jobId);
    return { data: [trained(1), trained(2), { iteration: 3, trained: null }] };
  });
  return new JobDataReportService(store, { list } as unknown as JobIterationsService);
}

describe('the data quality report of a job', () => {
  it('is the latest trained iteration\'s report, as JSON by default, or the iteration asked for, as HTML', async () => {
    const reports = await setUp();
    const latest = await reports.report('acme', 'ftjob-1', {});
    expect(latest.type).toBe('application/json');
    expect(JSON.parse(await text(latest.stream))).toEqual({ iteration: 2, report: { records: 20 } });
    const first = await reports.report('acme', 'ftjob-1', { iteration: '1', format: 'html' });
    expect(first.type).toMatch(/^text\/html/);
    expect(await text(first.stream)).toBe('<h1>iteration 1</h1>');
  });

  it('is a 404 for another tenant\'s job and for an iteration that has not trained, a 400 for a bad query', async () => {
    const reports = await setUp();
    await expect(reports.report('other', 'ftjob-1', {})).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(reports.report('acme', 'ftjob-1', { iteration: '3' })).rejects.toMatchObject({ param: 'iteration' });
    await expect(reports.report('acme', 'ftjob-1', { format: 'pdf' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(reports.report('acme', 'ftjob-1', { iteration: '0' })).rejects.toMatchObject({ param: 'iteration' });
  });
});
