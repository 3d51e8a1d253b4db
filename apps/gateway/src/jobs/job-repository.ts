import { Inject, Injectable } from '@nestjs/common';
import type { jobIterationRecordedV1, PayloadOf, TuneforgeJobApproval } from '@tuneforge/contracts';
import type { Database, Queryable } from '@tuneforge/database';
import { DATABASE, requireDatabase } from '@tuneforge/service-kit';
import {
  statusRank,
  TERMINAL_STATUSES,
  toApproval,
  type AnswerRecord,
  type ApprovalRecord,
  type CheckpointRecord,
  type EventRecord,
  type JobExtras,
  type JobRecord,
  type ResultFilesRecord,
  type StatusRecord,
} from './job-record';

/** The channel a new event or status of a job is announced on (NOTIFY, sent when its insert commits); payload `<tenant>:<jobId>`. */
export const JOB_EVENTS_CHANNEL = 'job_events';
export const jobEventsPayload = (tenant: string, jobId: string) => `${tenant}:${jobId}`;

/** `<tenant>:<jobId>` back into its parts (a job id has no colon; a tenant might). */
export function parseJobEventsPayload(payload: string): { tenant: string; jobId: string } | undefined {
  const colon = payload.lastIndexOf(':');
  return colon > 0 ? { tenant: payload.slice(0, colon), jobId: payload.slice(colon + 1) } : undefined;
}

/** What recording a projected message did: a redelivered one finds its row; one for a job this database does not know is not recorded. */
export type RecordOutcome = 'recorded' | 'duplicate' | 'unknown_job';

export type IterationPayload = PayloadOf<typeof jobIterationRecordedV1>;

/** A job as the API shows it: its record, the furthest status it reached, its questions, and what else the job object shows. */
export interface JobView {
  record: JobRecord;
  status?: StatusRecord;
  approvals: TuneforgeJobApproval[];
  extras: JobExtras;
}

export interface JobListQuery {
  after?: string;
  limit: number;
  /** Every pair must be in the job's `metadata`. */
  metadata?: Record<string, string>;
}

interface ViewRow {
  record: JobRecord;
  status_record: StatusRecord | null;
  approvals: Array<{ request: ApprovalRecord; answer: AnswerRecord | null }>;
  result_files: string[] | null;
  latest_metrics: EventRecord | null;
}

// One row per job with everything its job object shows, each part a subquery on an index: the furthest status's record
// (by primary key), the questions with their answers, the result files once succeeded, and, while it runs, the newest
// step metrics event (the first matching row of the events' page index). Used by retrieve and by a list's page.
const VIEW_COLUMNS = `
  j.record,
  (SELECT s.record FROM job_statuses s WHERE s.tenant = j.tenant AND s.job_id = j.id AND s.status = j.status) AS status_record,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('request', a.record, 'answer', x.record) ORDER BY a.created_at, a.approval_id), '[]'::jsonb)
     FROM job_approvals a
     LEFT JOIN job_answers x ON x.tenant = a.tenant AND x.job_id = a.job_id AND x.approval_id = a.approval_id
    WHERE a.tenant = j.tenant AND a.job_id = j.id) AS approvals,
  CASE WHEN j.status = 'succeeded' THEN (SELECT r.file_ids FROM job_result_files r WHERE r.tenant = j.tenant AND r.job_id = j.id) END AS result_files,
  CASE WHEN j.status = 'running' THEN (
    SELECT e.record FROM job_events e
     WHERE e.tenant = j.tenant AND e.job_id = j.id AND e.type = 'metrics' AND jsonb_typeof(e.record -> 'data' -> 'eta_seconds') = 'number'
     ORDER BY e.created_at DESC, e.seq DESC LIMIT 1) END AS latest_metrics`;

const FOREIGN_KEY_VIOLATION = '23503';
const isUnknownJob = (error: unknown) => (error as { code?: string } | null)?.code === FOREIGN_KEY_VIOLATION;

/**
 * The gateway's jobs in the metadata database: the records the API serves and the projections of the orchestrator's
 * messages. Every projection is an idempotent insert (`ON CONFLICT DO NOTHING` on the key the message determines), so a
 * redelivered message changes nothing. Records are kept as jsonb, as the schemas in `job-record.ts` define them.
 */
@Injectable()
export class JobRepository {
  readonly db: Database;

  constructor(@Inject(DATABASE) database: Database | null) {
    this.db = requireDatabase(database, 'gateway');
  }

  // ---- jobs -------------------------------------------------------------------------------------------------------

  /** A new job (status validating_files); send it through `via` to make it part of a transaction (the outbox's). */
  async insert(tenant: string, record: JobRecord, via: Queryable = this.db): Promise<void> {
    await via.query('INSERT INTO jobs (tenant, id, created_at, record) VALUES ($1, $2, $3, $4::jsonb)', [tenant, record.id, record.created_at, JSON.stringify(record)]);
  }

  async get(tenant: string, id: string): Promise<JobRecord | undefined> {
    const [row] = await this.db.query<{ record: JobRecord }>('SELECT record FROM jobs WHERE tenant = $1 AND id = $2', [tenant, id]);
    return row?.record;
  }

  async view(tenant: string, id: string): Promise<JobView | undefined> {
    const [row] = await this.db.query<ViewRow>(`SELECT ${VIEW_COLUMNS} FROM jobs j WHERE j.tenant = $1 AND j.id = $2`, [tenant, id]);
    return row && toView(row);
  }

  /**
   * Newest first: ids sort by creation time, so the order and the cursor are the primary key's (`jobs_by_id`), and a
   * page is one index range scan with its rows' subqueries, LIMIT n + 1 telling whether there is more. An `after` that
   * is no job's id still pages from where it would sort.
   */
  async list(tenant: string, query: JobListQuery): Promise<{ views: JobView[]; hasMore: boolean }> {
    const params: unknown[] = [tenant];
    const where = ['j.tenant = $1'];
    if (query.after !== undefined) {
      params.push(query.after);
      where.push(`j.id < $${params.length}`);
    }
    if (query.metadata && Object.keys(query.metadata).length > 0) {
      params.push(JSON.stringify(query.metadata));
      where.push(`j.record -> 'spec' -> 'metadata' @> $${params.length}::jsonb`);
    }
    params.push(query.limit + 1);
    const rows = await this.db.query<ViewRow>(`SELECT ${VIEW_COLUMNS} FROM jobs j WHERE ${where.join(' AND ')} ORDER BY j.id DESC LIMIT $${params.length}`, params);
    return { views: rows.slice(0, query.limit).map(toView), hasMore: rows.length > query.limit };
  }

  /** The furthest status the job reached (undefined: none recorded yet, or no such job). */
  async currentStatus(tenant: string, id: string): Promise<StatusRecord | undefined> {
    const [row] = await this.db.query<{ record: StatusRecord }>(
      'SELECT s.record FROM jobs j JOIN job_statuses s ON s.tenant = j.tenant AND s.job_id = j.id AND s.status = j.status WHERE j.tenant = $1 AND j.id = $2',
      [tenant, id],
    );
    return row?.record;
  }

  /** Whether the job has ended (succeeded, failed or cancelled); a job that does not exist has, as far as a follower is concerned. */
  async hasEnded(tenant: string, id: string): Promise<boolean> {
    const [row] = await this.db.query<{ finished_at: number | null }>('SELECT finished_at FROM jobs WHERE tenant = $1 AND id = $2', [tenant, id]);
    return !row || row.finished_at !== null;
  }

  // ---- events -----------------------------------------------------------------------------------------------------

  /**
   * A page of events, newest first by (created_at, seq): the cursor event's place is looked up by its id (unique), then
   * the page is a range scan of `job_events_page` from there, LIMIT n + 1 — O(page) whatever the job's size. An unknown
   * cursor gives an empty page.
   */
  async eventsPage(tenant: string, jobId: string, after: string | undefined, limit: number): Promise<{ events: EventRecord[]; hasMore: boolean }> {
    const rows =
      after === undefined
        ? await this.db.query<{ record: EventRecord }>(
            'SELECT record FROM job_events WHERE tenant = $1 AND job_id = $2 ORDER BY created_at DESC, seq DESC LIMIT $3',
            [tenant, jobId, limit + 1],
          )
        : await this.db.query<{ record: EventRecord }>(
            `SELECT e.record FROM job_events e,
                    (SELECT created_at, seq FROM job_events WHERE tenant = $1 AND job_id = $2 AND event_id = $3) c
              WHERE e.tenant = $1 AND e.job_id = $2 AND (e.created_at, e.seq) < (c.created_at, c.seq)
              ORDER BY e.created_at DESC, e.seq DESC LIMIT $4`,
            [tenant, jobId, after, limit + 1],
          );
    return { events: rows.slice(0, limit).map((row) => row.record), hasMore: rows.length > limit };
  }

  /**
   * The events that arrived after `seq` (0: all), oldest first by event time then arrival, each with its `seq`: what a
   * live stream has not sent yet. A job's events are inserted one at a time under its row's lock (`recordEvent`), so
   * their seq order is their commit order and nothing can appear later below a seq already read.
   */
  async eventsAfter(tenant: string, jobId: string, seq: number): Promise<Array<{ seq: number; record: EventRecord }>> {
    return this.db.query<{ seq: number; record: EventRecord }>(
      'SELECT seq, record FROM job_events WHERE tenant = $1 AND job_id = $2 AND seq > $3 ORDER BY created_at, seq',
      [tenant, jobId, seq],
    );
  }

  /** The job's metrics events (the step-metrics CSV's rows). */
  async metricsEvents(tenant: string, jobId: string): Promise<EventRecord[]> {
    const rows = await this.db.query<{ record: EventRecord }>("SELECT record FROM job_events WHERE tenant = $1 AND job_id = $2 AND type = 'metrics' ORDER BY seq", [tenant, jobId]);
    return rows.map((row) => row.record);
  }

  // ---- checkpoints, questions and answers, iterations, result files --------------------------------------------------

  async checkpoints(tenant: string, jobId: string): Promise<CheckpointRecord[]> {
    const rows = await this.db.query<{ record: CheckpointRecord }>('SELECT record FROM job_checkpoints WHERE tenant = $1 AND job_id = $2', [tenant, jobId]);
    return rows.map((row) => row.record);
  }

  /** The questions a job asked, oldest first, each with its answer if it has one. */
  async approvals(tenant: string, jobId: string): Promise<TuneforgeJobApproval[]> {
    const rows = await this.db.query<{ request: ApprovalRecord; answer: AnswerRecord | null }>(
      `SELECT a.record AS request, x.record AS answer FROM job_approvals a
         LEFT JOIN job_answers x ON x.tenant = a.tenant AND x.job_id = a.job_id AND x.approval_id = a.approval_id
        WHERE a.tenant = $1 AND a.job_id = $2 ORDER BY a.created_at, a.approval_id`,
      [tenant, jobId],
    );
    return rows.map((row) => toApproval(row.request, row.answer ?? undefined));
  }

  async approval(tenant: string, jobId: string, approvalId: string): Promise<ApprovalRecord | undefined> {
    const [row] = await this.db.query<{ record: ApprovalRecord }>('SELECT record FROM job_approvals WHERE tenant = $1 AND job_id = $2 AND approval_id = $3', [tenant, jobId, approvalId]);
    return row?.record;
  }

  /**
   * Records `answer` unless the question has one: the primary key lets exactly one answer in, however many race.
   * Returns the answer that stands, and whether it is this one.
   */
  async answerFirst(tenant: string, jobId: string, approvalId: string, answer: AnswerRecord): Promise<{ answer: AnswerRecord; first: boolean } | undefined> {
    const inserted = await this.db.query<{ record: AnswerRecord }>(
      'INSERT INTO job_answers (tenant, job_id, approval_id, record) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING RETURNING record',
      [tenant, jobId, approvalId, JSON.stringify(answer)],
    );
    if (inserted.length > 0) return { answer: inserted[0].record, first: true };
    // A new statement, so a new snapshot: it sees the answer that won, even one committed while the insert waited on it.
    const [row] = await this.db.query<{ record: AnswerRecord }>('SELECT record FROM job_answers WHERE tenant = $1 AND job_id = $2 AND approval_id = $3', [tenant, jobId, approvalId]);
    return row && { answer: row.record, first: false };
  }

  /** What the job's iterations recorded, by iteration then stage. */
  async iterations(tenant: string, jobId: string): Promise<IterationPayload[]> {
    const rows = await this.db.query<{ record: IterationPayload }>('SELECT record FROM job_iterations WHERE tenant = $1 AND job_id = $2 ORDER BY iteration, stage', [tenant, jobId]);
    return rows.map((row) => row.record);
  }

  async resultFiles(tenant: string, jobId: string): Promise<ResultFilesRecord | undefined> {
    const [row] = await this.db.query<{ file_ids: string[] }>('SELECT file_ids FROM job_result_files WHERE tenant = $1 AND job_id = $2', [tenant, jobId]);
    return row && { file_ids: row.file_ids };
  }

  /** Records the job's result files unless it has some: true when these are the ones (the primary key decides a race). */
  async claimResultFiles(tenant: string, jobId: string, record: ResultFilesRecord, via: Queryable = this.db): Promise<boolean> {
    const rows = await via.query('INSERT INTO job_result_files (tenant, job_id, file_ids) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING RETURNING job_id', [
      tenant,
      jobId,
      JSON.stringify(record.file_ids),
    ]);
    return rows.length > 0;
  }

  /**
   * The tenants that own a job of this id, from the gateway's own records (ids are random, so at most one in
   * practice): what a message from a topic training pods can write to is checked against, never its own `tenant`.
   */
  async ownersOf(jobId: string): Promise<string[]> {
    const rows = await this.db.query<{ tenant: string }>('SELECT tenant FROM jobs WHERE id = $1 LIMIT 2', [jobId]);
    return rows.map((row) => row.tenant);
  }

  async exists(tenant: string, jobId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM jobs WHERE tenant = $1 AND id = $2', [tenant, jobId])).length > 0;
  }

  // ---- projections of the orchestrator's messages --------------------------------------------------------------------

  /**
   * Records a status the job reached (once per status) and, in the same transaction, raises the job's current status,
   * finish time and trained tokens when this one is further than the furthest so far (statuses only move forward;
   * changes may arrive out of order). Followers of the job's events are notified, so a stream ends when the job does.
   */
  async recordStatus(tenant: string, status: StatusRecord): Promise<RecordOutcome> {
    const rank = statusRank(status.status);
    return this.db.transaction(async (tx) => {
      const [job] = await tx.query<{ status_rank: number }>('SELECT status_rank FROM jobs WHERE tenant = $1 AND id = $2 FOR NO KEY UPDATE', [tenant, status.jobId]);
      if (!job) return 'unknown_job';
      const inserted = await tx.query('INSERT INTO job_statuses (tenant, job_id, status, record) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING RETURNING status', [
        tenant,
        status.jobId,
        status.status,
        JSON.stringify(status),
      ]);
      if (inserted.length === 0) return 'duplicate';
      if (rank > job.status_rank) {
        await tx.query('UPDATE jobs SET status = $3, status_rank = $4, finished_at = $5, trained_tokens = $6 WHERE tenant = $1 AND id = $2', [
          tenant,
          status.jobId,
          status.status,
          rank,
          TERMINAL_STATUSES.includes(status.status) ? status.changed_at : null,
          status.trained_tokens,
        ]);
      }
      await this.db.notify(JOB_EVENTS_CHANNEL, jobEventsPayload(tenant, status.jobId), tx);
      return 'recorded';
    });
  }

  /**
   * Records an event once (by its id) and notifies the job's followers when its insert commits, in one statement. The
   * job's row is locked first (FOR NO KEY UPDATE), so one job's events take their seq and commit one at a time: a
   * follower that read up to seq n never meets a smaller seq later. A job the database does not know records nothing.
   */
  async recordEvent(tenant: string, event: EventRecord): Promise<RecordOutcome> {
    const [row] = await this.db.query<{ known: boolean; seq: number | null }>(
      `WITH job AS (SELECT id FROM jobs WHERE tenant = $1 AND id = $2 FOR NO KEY UPDATE),
            ins AS (INSERT INTO job_events (tenant, job_id, event_id, type, created_at, record)
                    SELECT $1, job.id, $3, $4, $5, $6::jsonb FROM job
                    ON CONFLICT DO NOTHING RETURNING seq)
       SELECT EXISTS (SELECT 1 FROM job) AS known, (SELECT seq FROM ins) AS seq, (SELECT pg_notify($7, $8) FROM ins) AS notified`,
      [tenant, event.jobId, event.id, event.type, event.created_at, JSON.stringify(event), JOB_EVENTS_CHANNEL, jobEventsPayload(tenant, event.jobId)],
    );
    return !row.known ? 'unknown_job' : row.seq === null ? 'duplicate' : 'recorded';
  }

  async recordCheckpoint(tenant: string, record: CheckpointRecord): Promise<RecordOutcome> {
    return this.insertOnce(
      'INSERT INTO job_checkpoints (tenant, job_id, run_id, step, created_at, record) VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING RETURNING step',
      [tenant, record.jobId, record.runId, record.step, record.created_at, JSON.stringify(record)],
    );
  }

  /** Drops the rows of checkpoints the run's retention deleted (a repeated message deletes nothing more). */
  async retireCheckpoints(tenant: string, jobId: string, runId: string, steps: readonly number[]): Promise<void> {
    await this.db.query('DELETE FROM job_checkpoints WHERE tenant = $1 AND job_id = $2 AND run_id = $3 AND step = ANY($4::int[])', [tenant, jobId, runId, steps]);
  }

  async recordIteration(tenant: string, payload: IterationPayload): Promise<RecordOutcome> {
    return this.insertOnce(
      'INSERT INTO job_iterations (tenant, job_id, iteration, stage, record) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING RETURNING stage',
      [tenant, payload.jobId, payload.iteration, payload.stage, JSON.stringify(payload)],
    );
  }

  /** A question, with the policy's answer in the same transaction when the policy answered it at once (no one ever sees it pending). */
  async recordApproval(tenant: string, request: ApprovalRecord, policyAnswer?: AnswerRecord): Promise<RecordOutcome> {
    try {
      return await this.db.transaction(async (tx) => {
        if (policyAnswer) {
          await tx.query('INSERT INTO job_answers (tenant, job_id, approval_id, record) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING', [
            tenant,
            request.jobId,
            request.approvalId,
            JSON.stringify(policyAnswer),
          ]);
        }
        const rows = await tx.query(
          'INSERT INTO job_approvals (tenant, job_id, approval_id, created_at, record) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING RETURNING approval_id',
          [tenant, request.jobId, request.approvalId, request.created_at, JSON.stringify(request)],
        );
        return rows.length > 0 ? 'recorded' : 'duplicate';
      });
    } catch (error) {
      if (isUnknownJob(error)) return 'unknown_job';
      throw error;
    }
  }

  /** An answer (the policy's) unless the question has one already. */
  async recordAnswer(tenant: string, jobId: string, approvalId: string, answer: AnswerRecord): Promise<RecordOutcome> {
    return this.insertOnce('INSERT INTO job_answers (tenant, job_id, approval_id, record) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING RETURNING approval_id', [
      tenant,
      jobId,
      approvalId,
      JSON.stringify(answer),
    ]);
  }

  private async insertOnce(sql: string, params: unknown[]): Promise<RecordOutcome> {
    try {
      return (await this.db.query(sql, params)).length > 0 ? 'recorded' : 'duplicate';
    } catch (error) {
      if (isUnknownJob(error)) return 'unknown_job';
      throw error;
    }
  }
}

function toView(row: ViewRow): JobView {
  const extras: JobExtras = {};
  if (row.result_files) extras.resultFiles = row.result_files;
  if (row.latest_metrics) extras.latestMetrics = row.latest_metrics;
  return {
    record: row.record,
    ...(row.status_record ? { status: row.status_record } : {}),
    approvals: row.approvals.map((approval) => toApproval(approval.request, approval.answer ?? undefined)),
    extras,
  };
}
