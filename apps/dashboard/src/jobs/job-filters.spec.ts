import type { FineTuningJob } from '../api/types';
import { filterJobs, methodOf } from './job-filters';

const job = (id: string, fields: Partial<FineTuningJob>): FineTuningJob =>
  ({ id, object: 'fine_tuning.job', created_at: 1, finished_at: null, model: 'tiny-llama', fine_tuned_model: null, status: 'running', suffix: null, metadata: null, status_details: null, method: { type: 'supervised' }, ...fields }) as FineTuningJob;

const jobs = [
  job('ftjob-a', { status: 'succeeded', fine_tuned_model: 'ft:tiny-llama:acme:weather:a', suffix: 'weather' }),
  job('ftjob-b', { status: 'running', model: 'SmolLM2-135M-Instruct', metadata: { team: 'search' } }),
  job('ftjob-c', { status: 'paused', method: { type: 'dpo' } as FineTuningJob['method'], status_details: { waiting_for: 'approval' } as FineTuningJob['status_details'] }),
  job('ftjob-d', { status: 'failed' }),
];

describe('filterJobs', () => {
  it('keeps a status group', () => {
    expect(filterJobs(jobs, 'all', '').map((j) => j.id)).toEqual(['ftjob-a', 'ftjob-b', 'ftjob-c', 'ftjob-d']);
    expect(filterJobs(jobs, 'active', '').map((j) => j.id)).toEqual(['ftjob-b', 'ftjob-c']);
    expect(filterJobs(jobs, 'waiting', '').map((j) => j.id)).toEqual(['ftjob-c']);
    expect(filterJobs(jobs, 'failed', '').map((j) => j.id)).toEqual(['ftjob-d']);
  });

  it('searches every word in id, models, suffix, method and metadata, ignoring case', () => {
    expect(filterJobs(jobs, 'all', 'WEATHER').map((j) => j.id)).toEqual(['ftjob-a']);
    expect(filterJobs(jobs, 'all', 'smollm2 search').map((j) => j.id)).toEqual(['ftjob-b']);
    expect(filterJobs(jobs, 'all', 'dpo').map((j) => j.id)).toEqual(['ftjob-c']);
    expect(filterJobs(jobs, 'succeeded', 'smollm2')).toEqual([]);
  });

  it('reads the method, supervised when the job names none', () => {
    expect(methodOf(jobs[2])).toBe('dpo');
    expect(methodOf({ ...jobs[0], method: undefined })).toBe('supervised');
  });
});
