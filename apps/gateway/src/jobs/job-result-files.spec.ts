import { configFromRequest, createMessage, foldBracketedQuery, jobLifecycleEventV1, jobLifecycleStatusChangedV1, jobSpecSchema, listFineTuningJobsQuerySchema, loadDefaultConfig, resolvedMethod } from '@tuneforge/contracts';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { fileContentKey } from '../files/file-record';
import { capturingLogger, insertJob, openMetadata, type Metadata } from '../testing/metadata-fixtures';
import { JobProjectionsHandler } from './job-projections.handler';
import { estimatedFinish, latestStepMetrics, toOpenAiJob, type EventRecord, type JobRecord, type StatusRecord } from './job-record';
import { runOfResults, stepMetricsCsv } from './job-result-files';

const metrics = (id: string, data: Record<string, unknown>, created_at = 10, received_at = 0): EventRecord => ({ jobId: 'j', id, level: 'info', message: id, type: 'metrics', data, created_at, received_at });

describe('the step-metrics CSV of a succeeded job', () => {
  it("has OpenAI's columns, one row per step of the model's run, empty cells for what was not measured", () => {
    const events = [
      metrics('a1', { step: 1, train_loss: 2.5, run_id: 'run-a' }),
      metrics('b1', { step: 1, train_loss: 3, run_id: 'run-b' }, 20),
      metrics('b2', { step: 2, train_loss: 2, valid_loss: 2.25, full_valid_loss: 2.25, run_id: 'run-b' }, 21),
      { ...metrics('m', { step: 9 }), type: 'message' as const },
    ];
    expect(stepMetricsCsv(events, 'run-b')).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,3,,,\n2,2,,2.25,\n');
    expect(stepMetricsCsv(events, 'run-a')).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,2.5,,,\n');
    // No run named (or none matching): the newest event's run.
    expect(stepMetricsCsv(events)).toBe(stepMetricsCsv(events, 'run-b'));
    expect(stepMetricsCsv([])).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n');
    expect(runOfResults(['jobs/j/training/run-b/merged', 'jobs/j/training/run-b/adapter'])).toBe('run-b');
  });

  describe('as a file of the tenant', () => {
    let metadata: Metadata;
    beforeAll(async () => {
      metadata = await openMetadata();
    });
    afterAll(() => metadata.db.close());

    const tenant = 'tenant-r';
    async function succeededJob(handler: JobProjectionsHandler) {
      const jobId = (await insertJob(metadata.jobs, tenant)).id;
      const opts = { correlationId: jobId, tenant };
      for (const step of [1, 2]) {
        await handler.onEvent(createMessage(jobLifecycleEventV1, { jobId, id: `s${step}`, level: 'info', message: 'step', type: 'metrics', data: { step, total_steps: 2, train_loss: 3 - step, run_id: 'run-1' }, created_at: step }, opts));
      }
      const succeeded = createMessage(
        jobLifecycleStatusChangedV1,
        { jobId, status: 'succeeded', fine_tuned_model: 'ft:x', result_files: [`jobs/${jobId}/training/run-1/merged`], trained_tokens: 5, error: null, changed_at: 9 },
        opts,
      );
      return { jobId, succeeded };
    }
    const storedCsvs = async (store: FilesystemArtifactStore) => {
      let n = 0;
      for await (const { key } of store.forTenant(tenant).list('files/')) if (key.endsWith('/content')) n++;
      return n;
    };

    it('is written as a fine-tune-results file once, before the succeeded status, whatever the redeliveries', async () => {
      const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-gateway-results-')));
      const handler = new JobProjectionsHandler(store, metadata.jobs, metadata.files, capturingLogger().logger);
      const { jobId, succeeded } = await succeededJob(handler);
      await handler.onStatus(succeeded);
      await handler.onStatus(succeeded);
      expect((await metadata.jobs.currentStatus(tenant, jobId))?.status).toBe('succeeded');
      const record = await metadata.jobs.resultFiles(tenant, jobId);
      expect(record?.file_ids).toHaveLength(1);
      const id = record!.file_ids[0];
      expect(await metadata.files.get(tenant, id)).toMatchObject({ purpose: 'fine-tune-results', filename: 'step_metrics.csv', content_type: 'text/csv' });
      expect(await text(await store.forTenant(tenant).get(fileContentKey(id)))).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,2,,,\n2,1,,,\n');
      expect((await metadata.files.list(tenant, { limit: 100, order: 'desc', purpose: 'fine-tune-results' })).records.map((f) => f.id)).toEqual([id]);
      expect(await storedCsvs(store)).toBe(1);
      // The job object names it.
      expect((await metadata.jobs.view(tenant, jobId))?.extras.resultFiles).toEqual([id]);
    });

    it('two instances handling the same succeeded status at once keep exactly one file (the primary key decides)', async () => {
      const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-gateway-results-race-')));
      const handlers = [0, 1].map(() => new JobProjectionsHandler(store, metadata.jobs, metadata.files, capturingLogger().logger));
      const { jobId, succeeded } = await succeededJob(handlers[0]);
      const before = (await metadata.files.list(tenant, { limit: 1000, order: 'desc', purpose: 'fine-tune-results' })).records.length;
      await Promise.all(handlers.map((handler) => handler.onStatus(succeeded)));
      const record = await metadata.jobs.resultFiles(tenant, jobId);
      expect(record?.file_ids).toHaveLength(1);
      const after = (await metadata.files.list(tenant, { limit: 1000, order: 'desc', purpose: 'fine-tune-results' })).records;
      expect(after).toHaveLength(before + 1);
      expect(after.map((f) => f.id)).toContain(record!.file_ids[0]);
      expect(await storedCsvs(store)).toBe(1);
    });
  });
});

describe('the job object', () => {
  const defaults = loadDefaultConfig();
  const spec = jobSpecSchema.parse({ model: 'm', training_file: 'file-a', method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } } });
  const config = configFromRequest(defaults, spec);
  const record: JobRecord = { id: 'ftjob-x', created_at: 1, spec, config, files: { training: 't' }, model: 'm', method: resolvedMethod(config, defaults) };
  const status = (s: StatusRecord['status']): StatusRecord => ({ jobId: 'ftjob-x', status: s, fine_tuned_model: null, result_files: ['jobs/ftjob-x/training/r/merged'], trained_tokens: null, error: null, changed_at: 5 });

  it('echoes the resolved method, and the requested hyperparameters for legacy readers', () => {
    const job = toOpenAiJob(record, []);
    expect(job.method).toEqual({ type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: defaults.training.batchSize, learning_rate_multiplier: 1 } } });
    expect(job.hyperparameters).toEqual({ n_epochs: 2, batch_size: 'auto', learning_rate_multiplier: 'auto' });
  });

  it('result_files are the file ids once succeeded, never the artifact prefixes', () => {
    expect(toOpenAiJob(record, [status('succeeded')], [], { resultFiles: ['file-abc'] }).result_files).toEqual(['file-abc']);
    expect(toOpenAiJob(record, [status('running')], [], { resultFiles: ['file-abc'] }).result_files).toEqual([]);
  });

  it('estimated_finish: the latest step event plus its ETA while running, null otherwise', () => {
    const events = [metrics('s1', { step: 1, eta_seconds: 100 }, 50), metrics('s2', { step: 2, eta_seconds: 40.2 }, 60), metrics('c', { step: 2, valid_loss: 1 }, 61)];
    const latest = latestStepMetrics(events);
    expect(latest?.id).toBe('s2');
    expect(estimatedFinish('running', latest)).toBe(101);
    expect(toOpenAiJob(record, [status('running')], [], { latestMetrics: latest }).estimated_finish).toBe(101);
    expect(estimatedFinish('succeeded', latest)).toBeNull();
    expect(estimatedFinish('running', undefined)).toBeNull();
  });
});

describe('the list query', () => {
  it('folds metadata[key]=value into metadata, as the SDK sends it', () => {
    const query = foldBracketedQuery({ 'metadata[team]': 'a', 'metadata[run]': '2', limit: '5' });
    expect(listFineTuningJobsQuerySchema.parse(query)).toEqual({ metadata: { team: 'a', run: '2' }, limit: 5 });
    expect(listFineTuningJobsQuerySchema.parse(foldBracketedQuery({ metadata: { team: 'a' } }))).toEqual({ metadata: { team: 'a' }, limit: 20 });
    expect(listFineTuningJobsQuerySchema.safeParse(foldBracketedQuery({ 'colour[x]': 'y' })).success).toBe(false);
  });
});
