import { loadDefaultConfig } from '../config/default-config';
import { parsePodRunSpec } from './run-spec';

describe('the run spec a training pod is started with', () => {
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
});
