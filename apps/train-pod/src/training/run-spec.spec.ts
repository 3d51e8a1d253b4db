import { loadDefaultConfig } from '@tuneforge/contracts';
import { deterministicUuid } from './pod-channel';
import { checkpointPrefix, parsePodRunSpec, stepOfCheckpoint } from './run-spec';

describe('run spec and keys', () => {
  it('parses the spec the trainer hands over, applying request defaults', () => {
    const request = { runId: 'run-1', jobId: 'job-1', baseModel: 'models/m', datasets: ['d'], training: loadDefaultConfig().training };
    const spec = parsePodRunSpec(JSON.stringify({ tenant: 't', requestMessageId: 'm', request }));
    expect(spec.request.maxSequenceLength).toBe(2048);
    expect(() => parsePodRunSpec(JSON.stringify({ tenant: 't', requestMessageId: 'm', request: { ...request, runId: '../x' } }))).toThrow();
  });

  it('carries the controls heard before launch and the time control is read from', () => {
    const request = { runId: 'run-1', jobId: 'job-1', baseModel: 'models/m', datasets: ['d'], training: loadDefaultConfig().training };
    const since = '2026-01-02T03:04:05.678Z';
    const spec = parsePodRunSpec(JSON.stringify({ tenant: 't', requestMessageId: 'm', request, controls: ['pause', 'resume', 'pause'], controlsSince: since }));
    expect(spec).toMatchObject({ controls: ['pause', 'resume', 'pause'], controlsSince: since });
    expect(() => parsePodRunSpec(JSON.stringify({ tenant: 't', requestMessageId: 'm', request, controls: ['stop'] }))).toThrow();
    expect(() => parsePodRunSpec(JSON.stringify({ tenant: 't', requestMessageId: 'm', request, controlsSince: 'yesterday' }))).toThrow();
  });

  it('names checkpoints by zero-padded step and reads the step back', () => {
    const prefix = checkpointPrefix({ jobId: 'job-1', runId: 'run-1' }, 12);
    expect(prefix).toBe('jobs/job-1/training/run-1/checkpoints/step-00000012');
    expect(stepOfCheckpoint(prefix)).toBe(12);
    expect(stepOfCheckpoint('jobs/x/other')).toBeUndefined();
  });

  it('derives a valid, stable UUID from an event name', () => {
    const id = deterministicUuid('t/job/run/training.run.progressed.v1/progress/3');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('t/job/run/training.run.progressed.v1/progress/3')).toBe(id);
    expect(deterministicUuid('t/job/run/training.run.progressed.v1/progress/4')).not.toBe(id);
  });
});
