import { JobRecords } from './job-records';
import { orchestratorTestDatabase } from './workflow-spec-fixtures';

describe("the orchestrator's records in the metadata database (PGlite)", () => {
  const database = orchestratorTestDatabase();
  const records = () => new JobRecords(database());

  it('keeps the first value under an inbox key, as it came (a \\u0000 in a comment included)', async () => {
    const answer = { approvalId: 'a1', decision: 'approve', comment: 'ok\u0000 then' };
    expect(await records().record('ftjob-1', 'approval/a1', answer)).toBe(true);
    expect(await records().record('ftjob-1', 'approval/a1', { ...answer, decision: 'reject' })).toBe(false);
    expect(await records().record('ftjob-2', 'approval/a1', { other: true })).toBe(true);
    const found = await records().find('ftjob-1', ['control/cancel', 'approval/a1']);
    expect([...found.entries()]).toEqual([['approval/a1', answer]]);
    expect(await records().present('ftjob-1', ['control/cancel', 'approval/a1'])).toEqual(new Set(['approval/a1']));
    expect(await records().present('ftjob-3', ['approval/a1'])).toEqual(new Set());
  });

  it('lists the started jobs that have not finished', async () => {
    await records().started('ftjob-b', 't1');
    await records().started('ftjob-a', 't1');
    await records().started('ftjob-a', 't1');
    await records().started('ftjob-c', 't2');
    await records().finished('ftjob-c');
    expect(await records().unfinished()).toEqual(['ftjob-a', 'ftjob-b']);
    const [row] = await database().query<{ finished_at: number | null }>("SELECT finished_at FROM orchestrator_jobs WHERE job_id = 'ftjob-c'");
    expect(row.finished_at).toBeGreaterThan(0);
  });

  it('keeps one curve point per step, validation losses on the point of their step or one of their own', async () => {
    for (const step of [3, 1, 2]) await records().addCurvePoint('ftjob-1', 'run-1', { step, loss: 3 - step / 10, learningRate: 1e-4, gradNorm: null });
    await records().addCurvePoint('ftjob-1', 'run-1', { step: 2, loss: 99, learningRate: 1 });
    await records().addCurvePoint('ftjob-1', 'run-2', { step: 1, loss: 7, learningRate: 1 });
    await records().addValidationLoss('ftjob-1', 'run-1', 2, 2.5);
    await records().addValidationLoss('ftjob-1', 'run-1', 2, 9);
    await records().addValidationLoss('ftjob-1', 'run-1', 4, 2.25);
    expect(await records().curve('ftjob-1', 'run-1')).toEqual([
      { step: 1, loss: 2.9, learningRate: 1e-4, gradNorm: null },
      { step: 2, loss: 2.8, learningRate: 1e-4, gradNorm: null, validationLoss: 2.5 },
      { step: 3, loss: 2.7, learningRate: 1e-4, gradNorm: null },
      { step: 4, loss: null, learningRate: 0, validationLoss: 2.25 },
    ]);
    const rows = await database().query<{ kind: string; n: number }>("SELECT kind, count(*)::int AS n FROM curve_points WHERE job_id = 'ftjob-1' AND run_id = 'run-1' GROUP BY kind ORDER BY kind");
    expect(rows).toEqual([
      { kind: 'train', n: 3 },
      { kind: 'validation', n: 2 },
    ]);
  });

  it('thins a long curve in the query: every ceil(n / max)-th point in step order and the last one, every validation loss kept', async () => {
    const steps = Array.from({ length: 25 }, (_, i) => i + 1);
    await database().query(
      "INSERT INTO curve_points (job_id, run_id, kind, step, point) SELECT 'ftjob-long', 'run-1', 'train', s, jsonb_build_object('step', s, 'loss', 1, 'learningRate', 0.1) FROM unnest($1::int[]) AS s",
      [steps],
    );
    await records().addValidationLoss('ftjob-long', 'run-1', 5, 0.5);
    const curve = await records().curve('ftjob-long', 'run-1', 10);
    // 25 points, at most 10: a stride of 3 keeps steps 1, 4, ..., 25 (the last one falls on the stride here).
    expect(curve.map((p) => p.step)).toEqual([1, 4, 5, 7, 10, 13, 16, 19, 22, 25]);
    expect(curve.find((p) => p.step === 5)).toEqual({ step: 5, loss: null, learningRate: 0, validationLoss: 0.5 });
    // 24 points: the same stride, and the last one (24) kept off it.
    await database().query("DELETE FROM curve_points WHERE job_id = 'ftjob-long' AND step = 25");
    expect((await records().curve('ftjob-long', 'run-1', 10)).filter((p) => p.validationLoss === undefined).map((p) => p.step)).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 24]);
  });
});
