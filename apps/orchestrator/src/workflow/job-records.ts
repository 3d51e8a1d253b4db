import { curvePointSchema, type CurvePoint } from '@tuneforge/contracts';
import type { Queryable } from '@tuneforge/database';

/** At most this many curve points travel in a diagnosis request (evenly spaced, the last one always kept). */
export const MAX_CURVE_POINTS = 2000;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The orchestrator's metadata beside the workflow's checkpoints, in the metadata database: each job's inbox
 * (`orchestrator_inbox`), the jobs it started and whether they finished (`orchestrator_jobs`), and each run's
 * training curve (`curve_points`). Every write is one statement, create-only (`ON CONFLICT DO NOTHING`): a
 * redelivered message writes nothing new.
 */
export class JobRecords {
  constructor(private readonly db: Queryable) {}

  /** Records a value under an inbox key; false when the key already held one (which stays). */
  async record(jobId: string, key: string, value: unknown): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO orchestrator_inbox (job_id, key, value, recorded_at) VALUES ($1, $2, $3::json, $4) ON CONFLICT (job_id, key) DO NOTHING RETURNING 1 AS recorded',
      [jobId, key, JSON.stringify(value ?? null), nowSeconds()],
    );
    return rows.length > 0;
  }

  /** The values recorded under any of these keys (absent keys are not in the map). */
  async find(jobId: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    if (!keys.length) return new Map();
    const rows = await this.db.query<{ key: string; value: unknown }>('SELECT key, value FROM orchestrator_inbox WHERE job_id = $1 AND key = ANY($2::text[])', [jobId, keys]);
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  /** Which of these keys hold a value (without reading the values). */
  async present(jobId: string, keys: readonly string[]): Promise<Set<string>> {
    if (!keys.length) return new Set();
    const rows = await this.db.query<{ key: string }>('SELECT key FROM orchestrator_inbox WHERE job_id = $1 AND key = ANY($2::text[])', [jobId, keys]);
    return new Set(rows.map((row) => row.key));
  }

  /** Marks a job started (and so unfinished); a job marked before keeps its row. */
  async started(jobId: string, tenant: string): Promise<void> {
    await this.db.query('INSERT INTO orchestrator_jobs (job_id, tenant, started_at) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO NOTHING', [jobId, tenant, nowSeconds()]);
  }

  /** Marks a job finished: the next start of the orchestrator does not resume it. */
  async finished(jobId: string): Promise<void> {
    await this.db.query('UPDATE orchestrator_jobs SET finished_at = $2 WHERE job_id = $1 AND finished_at IS NULL', [jobId, nowSeconds()]);
  }

  /** Every job started and not finished, by id. */
  async unfinished(): Promise<string[]> {
    const rows = await this.db.query<{ job_id: string }>('SELECT job_id FROM orchestrator_jobs WHERE finished_at IS NULL ORDER BY job_id');
    return rows.map((row) => row.job_id);
  }

  /** One point of a run's training curve (create-only per step). */
  async addCurvePoint(jobId: string, runId: string, point: CurvePoint): Promise<void> {
    await this.db.query("INSERT INTO curve_points (job_id, run_id, kind, step, point) VALUES ($1, $2, 'train', $3, $4::jsonb) ON CONFLICT DO NOTHING", [jobId, runId, point.step, JSON.stringify(point)]);
  }

  /** A validation loss the run measured at a checkpoint (create-only per step, like the curve's points). */
  async addValidationLoss(jobId: string, runId: string, step: number, loss: number): Promise<void> {
    await this.db.query("INSERT INTO curve_points (job_id, run_id, kind, step, point) VALUES ($1, $2, 'validation', $3, $4::jsonb) ON CONFLICT DO NOTHING", [jobId, runId, step, JSON.stringify({ step, loss })]);
  }

  /**
   * The run's recorded curve in step order, thinned in the query to at most `max` training points (every
   * ceil(n / max)-th in step order, the last one always kept); every validation loss is kept, on the point of its
   * step (a point of its own when that step sent no progress).
   */
  async curve(jobId: string, runId: string, max = MAX_CURVE_POINTS): Promise<CurvePoint[]> {
    const rows = await this.db.query<{ kind: 'train' | 'validation'; point: unknown }>(
      `SELECT kind, point FROM (
         SELECT kind, step, point,
                row_number() OVER (PARTITION BY kind ORDER BY step) - 1 AS i,
                count(*) OVER (PARTITION BY kind) AS n
           FROM curve_points WHERE job_id = $1 AND run_id = $2
       ) ranked
       WHERE kind = 'validation' OR i % GREATEST(1, CEIL(n::numeric / $3))::bigint = 0 OR i = n - 1
       ORDER BY step, kind`,
      [jobId, runId, max],
    );
    const byStep = new Map<number, CurvePoint>();
    for (const row of rows) {
      // A step's training point comes before its validation loss (ORDER BY step, kind).
      if (row.kind === 'train') {
        const point = curvePointSchema.parse(row.point);
        byStep.set(point.step, point);
      } else {
        const { step, loss } = row.point as { step: number; loss: number };
        const point = byStep.get(step) ?? { step, loss: null, learningRate: 0 };
        byStep.set(step, { ...point, validationLoss: loss });
      }
    }
    return [...byStep.values()];
  }
}
