import { FakeChatServer } from '@tuneforge/datasets';
import { diagnose } from '../diagnosis/diagnose';
import { healthyInput } from '../testing/synthetic-runs';
import { explainFindings } from './explain-findings';

describe('explainFindings', () => {
  const server = new FakeChatServer();
  let baseURL: string;
  const findings = diagnose(healthyInput({ curve: healthyInput().curve.map((p) => (p.step >= 100 ? { ...p, loss: null } : p)) }));

  beforeAll(async () => {
    baseURL = await server.start();
  });
  afterAll(() => server.stop());

  it('asks the OpenAI-compatible endpoint with the findings and returns its prose', async () => {
    const errors: unknown[] = [];
    const text = await explainFindings({ baseURL, model: 'explainer-1', apiKey: 'sk-debugger', timeoutMs: 5000 }, findings, { jobId: 'ftjob-1', iteration: 2 }, (e) => errors.push(e));
    expect(errors).toEqual([]);
    expect(text).toContain('Here they are');
    const request = server.requests[server.requests.length - 1];
    expect(request.authorization).toBe('Bearer sk-debugger');
    expect(request.body.model).toBe('explainer-1');
    expect(request.body.messages[1].content).toContain('Job ftjob-1, iteration 2');
    expect(request.body.messages[1].content).toContain('"non_finite_loss"');
  });

  it('returns null and reports the error when the endpoint keeps failing', async () => {
    const before = server.requests.length;
    server.failures = new Map([
      [before + 1, 500],
      [before + 2, 500],
    ]);
    const errors: unknown[] = [];
    const text = await explainFindings({ baseURL, model: 'explainer-1', apiKey: 'none', timeoutMs: 5000 }, findings, { jobId: 'ftjob-1', iteration: 1 }, (e) => errors.push(e));
    expect(text).toBeNull();
    expect(errors).toHaveLength(1);
    expect(server.requests.length - before).toBe(2); // One retry, then give up.
    server.failures = new Map();
  });

  it('returns null when nothing listens at the URL', async () => {
    const errors: unknown[] = [];
    expect(await explainFindings({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKey: 'none', timeoutMs: 2000 }, findings, { jobId: 'j', iteration: 1 }, (e) => errors.push(e))).toBeNull();
    expect(errors).toHaveLength(1);
  });
});
