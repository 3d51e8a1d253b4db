import type { RunningDeployment } from './deployment';
import { fuzzDeployment, startFuzzTarget } from './openapi-fuzz-drill';

/**
 * Requests generated from the gateway's OpenAPI document and broken on purpose (openapi-fuzz.ts), against the
 * embedded platform: every route answers each with a 2xx or a 4xx, none with a 5xx or not at all, and the platform
 * still serves afterwards. 1000 here (one seed per CI run is enough to catch a route that crashes on bad input);
 * the drill runs 10 000 (openapi-fuzz-drill.ts).
 */
describe('the gateway under generated and broken requests', () => {
  let deployment: RunningDeployment;
  beforeAll(async () => {
    deployment = await startFuzzTarget(18_950);
  }, 180_000);
  afterAll(async () => {
    const codes = await deployment?.stop();
    expect(codes).toEqual([0]);
  });

  it('answers 1000 of them without a 5xx or a hang, on every route, and still serves', async () => {
    const result = await fuzzDeployment(deployment, 1000, Number(process.env.TF_FUZZ_SEED ?? 7), 6);
    expect(result.failures).toEqual([]);
    expect(result.total).toBe(1000);
    expect(result.routes).toBeGreaterThan(25);
    expect(result.stillServes).toBe(true);
  }, 600_000);
});
