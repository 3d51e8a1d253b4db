import { applyJobPatch, diagnosisRunCompletedV1, diagnosisRunRequestedV1, type MessageOf, type PayloadOf } from '@tuneforge/contracts';
import { buildQualityReport, conversationToOpenAIJson, FakeChatServer, renderQualityReportHtml, type DatasetRecord, type TruncationReport } from '@tuneforge/datasets';
import { TaskServiceHarness } from '@tuneforge/service-kit/src/testing';
import { ArtifactWriter } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { service } from '../src/service';
import { defaultConfig, healthyCurve, healthyEvaluation, healthyRecords, jobTools, reactRecords } from '../src/testing/synthetic-runs';

type Completed = MessageOf<typeof diagnosisRunCompletedV1>;
type RequestPayload = PayloadOf<typeof diagnosisRunRequestedV1>;

export const quietLogger = process.env.DEBUGGER_TEST_LOGS ? createLogger('debugger-test') : createLogger('debugger-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });

function jsonLine(record: DatasetRecord): string {
  return `${JSON.stringify(record.kind === 'conversation' ? conversationToOpenAIJson(record.conversation) : record.kind === 'prompt_completion' ? record.sample : record.pair)}\n`;
}

/** The debugger service on the given bus and store (TaskServiceHarness), with the artifacts its requests name. */
export class DebuggerHarness extends TaskServiceHarness<typeof diagnosisRunRequestedV1, typeof diagnosisRunCompletedV1> {
  readonly tenant = 'debugger-it';
  protected readonly under = { service, requested: diagnosisRunRequestedV1, completed: diagnosisRunCompletedV1, logger: quietLogger };

  /**
   * Writes a prepared dataset and its quality report the way datagen commits them: `train.jsonl` under the
   * dataset prefix, then `report.json` (libs/datasets' quality report in datagen's metadata) and `report.html`.
   */
  async writePreparedData(name: string, records: DatasetRecord[], extras: { truncation?: TruncationReport; tokenLengths?: number[] } = {}): Promise<{ dataset: string; dataReport: string }> {
    const base = `jobs/ftjob-${this.runId}/data-preparation/${name}`;
    const prefixes = { dataset: `${base}/dataset`, dataReport: `${base}/report` };
    const counts = { inputRecords: records.length, syntheticRecords: 0, trainRecords: records.length, validationRecords: 0 };
    const common = { jobId: `ftjob-${this.runId}`, taskId: name, requestMessageId: randomUUID(), recordKind: records[0].kind, counts };
    const dataset = await ArtifactWriter.begin(this.tenantStore, prefixes.dataset, { kind: 'prepared-dataset', metadata: common });
    await dataset.addFile('train.jsonl', records.map(jsonLine).join(''), { contentType: 'application/jsonl' });
    await dataset.addFile('validation.jsonl', '', { contentType: 'application/jsonl' });
    await dataset.commit();
    const report = buildQualityReport({ records, truncation: extras.truncation, tokenLengths: extras.tokenLengths });
    const writer = await ArtifactWriter.begin(this.tenantStore, prefixes.dataReport, { kind: 'data-quality-report', metadata: common });
    await writer.addFile('report.json', `${JSON.stringify({ ...common, skippedTools: [], report }, null, 2)}\n`, { contentType: 'application/json' });
    await writer.addFile('report.html', renderQualityReportHtml(report, `Dataset quality report — ${name}`), { contentType: 'text/html; charset=utf-8' });
    await writer.commit();
    return prefixes;
  }

  /** A committed "report" artifact whose report.json is not a quality report. */
  async writeArtifact(prefix: string, files: Record<string, string>): Promise<string> {
    const writer = await ArtifactWriter.begin(this.tenantStore, prefix, { kind: 'data-quality-report' });
    for (const [path, body] of Object.entries(files)) await writer.addFile(path, body);
    await writer.commit();
    return prefix;
  }

  request(data: { dataset: string; dataReport: string }, overrides: Partial<RequestPayload> = {}): RequestPayload {
    return {
      taskId: `diag-${randomUUID().slice(0, 8)}`,
      jobId: `ftjob-${this.runId}`,
      iteration: 1,
      config: defaultConfig(),
      tools: jobTools(),
      curve: healthyCurve(),
      totalSteps: 200,
      ...data,
      evaluation: { summary: healthyEvaluation(), report: `jobs/ftjob-${this.runId}/evaluation/report` },
      ...overrides,
    };
  }

  /** Publishes the task and resolves with its `count`-th result. */
  diagnose(payload: RequestPayload, count = 1): Promise<Completed> {
    return this.send(payload, count);
  }
}

/** The scenario both deployments must pass. */
export function describeDiagnosisScenario(makeHarness: () => Promise<DebuggerHarness>): void {
  let harness: DebuggerHarness;
  const llm = new FakeChatServer();

  beforeAll(async () => {
    const baseURL = await llm.start();
    harness = await makeHarness();
    harness.env = { TF_DEBUGGER_LLM_BASE_URL: baseURL, TF_DEBUGGER_LLM_MODEL: 'explainer-1', TF_DEBUGGER_LLM_API_KEY: 'sk-debugger-test', TF_DEBUGGER_LLM_TIMEOUT_MS: '5000' };
    await harness.start();
  });
  afterAll(async () => {
    await harness?.stop();
    await llm.stop();
  });

  it('answers a healthy run with no findings and asks the LLM nothing', async () => {
    const data = await harness.writePreparedData('healthy', healthyRecords(), { tokenLengths: healthyRecords().map(() => 300) });
    const before = llm.requests.length;
    const { payload } = await harness.diagnose(harness.request(data));
    expect(payload).toMatchObject({ status: 'succeeded', findings: [], explanation: null });
    expect(llm.requests.length).toBe(before);
  });

  it('finds the defects of a broken run from the curve and the stored data report, ranked, explained, and the same when sent again', async () => {
    // ReAct data where 20 of 60 tool samples miss the \nObservation: stop, a third of samples truncated, and a loss that turns NaN.
    const records = reactRecords({ tool: 60, noTool: 40, missingStop: 20 });
    const truncation = { samples: 100, truncated: 30, dropped: 0, tokensCut: 3000, labeledTokensCut: 1200, truncationRate: 0.3, cuts: [] };
    const data = await harness.writePreparedData('broken', records, { truncation, tokenLengths: records.map((_, i) => (i < 30 ? 3000 : 700)) });
    const payload = harness.request(data, { curve: healthyCurve().map((p) => (p.step >= 150 ? { ...p, loss: null } : p)) });
    const before = llm.requests.length;
    const { payload: result } = await harness.diagnose(payload);
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    // Critical first; the two high findings by how far past their thresholds they are (a third of the tool samples vs 30 % cut).
    expect(result.findings.map((f) => f.code)).toEqual(['non_finite_loss', 'missing_observation_stop', 'truncation']);
    expect(result.findings.map((f) => f.severity)).toEqual(['critical', 'high', 'high']);
    expect(result.findings[1].score).toBeGreaterThan(result.findings[2].score);
    expect(result.findings[0].evidence).toMatchObject({ firstNonFiniteStep: 150, nonFinitePoints: 51 });
    expect(result.findings[1].evidence).toMatchObject({ defectiveSamples: 20, checkedSamples: 60, rate: 0.3333 });
    expect(result.findings[1].evidence.firstDefective).toEqual([1, 2, 3, 4, 5].map((line) => ({ file: `${data.dataset}/train.jsonl`, line })));
    expect(result.findings[2].evidence).toMatchObject({ truncated: 30, samples: 100, truncationRate: 0.3, maxSequenceLength: 2048 });
    for (const finding of result.findings) expect(() => applyJobPatch(payload.config, finding.patch.config)).not.toThrow();
    expect(applyJobPatch(payload.config, result.findings[0].patch.config).training).toMatchObject({ learningRate: 0.00006, maxGradNorm: 0.5 });
    expect(applyJobPatch(payload.config, result.findings[2].patch.config).data.maxSequenceLength).toBe(4096);

    // The explanation came from the configured endpoint, which was shown the findings.
    expect(result.explanation).toContain('Here they are');
    expect(llm.requests.length - before).toBe(1);
    expect(llm.requests[before].authorization).toBe('Bearer sk-debugger-test');
    expect(llm.requests[before].body.messages[1].content).toContain('missing_observation_stop');

    // The same task again (an orchestrator that restarted before it saw the answer): the same answer, no new LLM call.
    const again = await harness.diagnose({ ...payload });
    expect(again.payload).toEqual(result);
    expect(llm.requests.length - before).toBe(1);
  });

  it('still sends the findings, without an explanation, when the LLM endpoint fails', async () => {
    const data = await harness.writePreparedData('llm-down', healthyRecords());
    const before = llm.requests.length;
    llm.failures = new Map([
      [before + 1, 503],
      [before + 2, 503],
    ]);
    const curve = healthyCurve().map((p) => (p.step === 77 ? { ...p, loss: null } : p));
    const { payload } = await harness.diagnose(harness.request(data, { curve }));
    expect(payload).toMatchObject({ status: 'succeeded', explanation: null, findings: [{ code: 'non_finite_loss', evidence: { firstNonFiniteStep: 77 } }] });
    expect(llm.requests.length - before).toBe(2);
    llm.failures = new Map();
  });

  it('fails a request whose data report is missing or malformed, naming it, and keeps serving the next one', async () => {
    const good = await harness.writePreparedData('after-bad', healthyRecords());
    const missing = await harness.diagnose(harness.request({ dataset: good.dataset, dataReport: `jobs/ftjob-${harness.runId}/nope/report` }));
    expect(missing.payload).toMatchObject({ status: 'failed' });
    if (missing.payload.status !== 'failed') throw new Error('expected failure');
    expect(missing.payload.error).toContain('dataReport: expected a committed artifact with report.json');
    expect(missing.payload.error).toContain(`jobs/ftjob-${harness.runId}/nope/report`);

    const malformed = await harness.writeArtifact(`jobs/ftjob-${harness.runId}/malformed/report`, { 'report.json': JSON.stringify({ recordKind: 'conversation', counts: { syntheticRecords: 0, trainRecords: 1 }, report: { records: 1 } }) });
    const bad = await harness.diagnose(harness.request({ dataset: good.dataset, dataReport: malformed }));
    if (bad.payload.status !== 'failed') throw new Error(`expected failure, got ${JSON.stringify(bad.payload)}`);
    expect(bad.payload.error).toContain(`${malformed}/report.json is not a data quality report`);
    expect(bad.payload.error).toContain('report.toolBalance');

    const outOfOrder = healthyCurve();
    [outOfOrder[3], outOfOrder[4]] = [outOfOrder[4], outOfOrder[3]];
    const unordered = await harness.diagnose(harness.request(good, { curve: outOfOrder }));
    expect(unordered.payload).toMatchObject({ status: 'failed', error: expect.stringContaining('curve[4].step: expected steps in increasing order') });

    const { payload } = await harness.diagnose(harness.request(good));
    expect(payload).toMatchObject({ status: 'succeeded', findings: [] });
  });
}
