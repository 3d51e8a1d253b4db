/** What the workflow specs share: a publisher that records what the graph sends, and a job's fake inputs and results. */
import { fineTunedModelName, loadDefaultConfig, type JobConfig, type TopicSpec } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { inboxKeys, workflowIds, type JobInput, type WorkflowPublisher } from './job-graph';
import { openCheckpointer } from './postgres-checkpointer';

export { inboxKeys, workflowIds };

export interface Sent {
  topic: string;
  payload: Record<string, unknown>;
  dedupKey: string;
}

export class RecordingPublisher implements WorkflowPublisher {
  readonly sent: Sent[] = [];
  async publish<T extends TopicSpec>(_job: unknown, topic: T, payload: unknown, dedupKey: string): Promise<void> {
    this.sent.push({ topic: topic.name, payload: payload as Record<string, unknown>, dedupKey });
  }
  of(topic: string): Record<string, unknown>[] {
    return this.sent.filter((s) => s.topic === topic).map((s) => s.payload);
  }
}

/** The name a job of these tests' tenant gets for its model (base `models/tiny`, no suffix). */
export const tunedName = (jobId: string) => fineTunedModelName({ base: 'tiny', owner: 't1', jobId });

export const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

/** Evaluation off (the default) unless a test turns it on. */
export function job(jobId: string, approvals: Partial<JobConfig['approvals']> = {}, evaluation = false): JobInput {
  const config = loadDefaultConfig();
  return {
    jobId,
    tenant: 't1',
    config: { ...config, approvals: { ...config.approvals, ...approvals }, evaluation: { ...config.evaluation, enabled: evaluation } },
    files: { training: 'files/train.jsonl' },
    model: 'models/tiny',
    tools: [],
  };
}

export const evaluated = (jobId: string, iteration: number, toolSelection: number) => ({
  taskId: workflowIds.evaluationTask(jobId, iteration),
  jobId,
  iteration,
  status: 'succeeded',
  report: `jobs/${jobId}/eval-${iteration}`,
  summary: {
    examples: 8,
    agent_episodes: 8,
    base: { metrics: { tool_selection_accuracy: 0.1 }, per_tool: {} },
    tuned: { metrics: { tool_selection_accuracy: toolSelection }, per_tool: {} },
  },
});

export const prepared = (jobId: string) => ({
  taskId: workflowIds.preparationTask(jobId),
  jobId,
  status: 'succeeded',
  artifacts: { dataset: `jobs/${jobId}/dataset`, report: `jobs/${jobId}/report` },
  counts: { inputRecords: 10, syntheticRecords: 0, trainRecords: 9, validationRecords: 1 },
});

/** The orchestrator's tables, LangGraph's saver's included: what a test empties to start from nothing. */
const ORCHESTRATOR_TABLES = ['orchestrator_inbox', 'orchestrator_jobs', 'curve_points', 'checkpoints', 'checkpoint_blobs', 'checkpoint_writes'];

/**
 * The metadata database of a spec file: PGlite in memory, opened once (it takes seconds) with the checkpointer's
 * tables set up, and emptied of the orchestrator's rows before each test. Call at the top of a `describe`.
 */
export function orchestratorTestDatabase(): () => Database {
  let database: Database | undefined;
  beforeAll(async () => {
    database = await openTestDatabase();
    await openCheckpointer(database);
  }, 120_000);
  afterAll(async () => {
    if (database) await dropTestDatabase(database);
  });
  beforeEach(async () => {
    await database!.query(`TRUNCATE ${ORCHESTRATOR_TABLES.join(', ')}`);
  });
  return () => database!;
}
