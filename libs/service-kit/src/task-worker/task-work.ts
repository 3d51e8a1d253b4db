import type { MessageOf, PayloadOf, TopicSpec } from '@tuneforge/contracts';
import type { ArtifactStore } from '@tuneforge/storage';
import type { z } from 'zod';

/** A task topic, requested or completed: each payload names its task. */
export type TaskTopic = TopicSpec<z.ZodType<{ taskId: string }>>;

/** One delivered task, as the work sees it: the request, the tenant's own store, and where the task's result is stored. */
export interface Task<Requested extends TaskTopic, Key> {
  request: MessageOf<Requested>;
  /** The request's tenant's store (`forTenant`): everything the task reads and writes is the tenant's. */
  store: ArtifactStore;
  /** What `resultKey` made of the request: a key (or keys) only this task writes. */
  key: Key;
}

/**
 * What the work came to. A failed result is announced and never stored, so the same task sent again is
 * worked again (the user may have fixed the file meanwhile); a succeeded one is stored first, with its output.
 */
export type WorkDone<Result, Output> = { failed: Result } | { succeeded: Result; output: Output };

/** The line a worker logs once a task has its result, before announcing it. */
export interface ResultLogLine {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

/**
 * A service's own part of a task worker (see TaskWorker): where a task's result lives, how to read a stored
 * one, the work itself, how to store what it made, and which errors are a failed result rather than a retry.
 * Everything else (the tenant's store, the stored-result lookup before any work, the lost race, the
 * announcement) is the worker's.
 */
export interface TaskWork<Requested extends TaskTopic, Completed extends TaskTopic, Key = string, Output = void> {
  /** The key (or keys) the task's result is stored under, from its job and task id: the same task always maps to the same key. */
  resultKey(payload: PayloadOf<Requested>): Key;
  /** The result an earlier delivery of the task stored (committed), or undefined when there is none yet. */
  findStored(task: Task<Requested, Key>): Promise<PayloadOf<Completed> | undefined>;
  /** The service's work: never called for a task whose result is already stored. */
  work(task: Task<Requested, Key>): Promise<WorkDone<PayloadOf<Completed>, Output>>;
  /**
   * Stores a succeeded result and its output, create-only (an ArtifactWriter commit), before it is announced.
   * Whatever it writes must be what `findStored` reads back as the same result.
   */
  store(task: Task<Requested, Key>, result: PayloadOf<Completed>, output: Output): Promise<void>;
  /**
   * An error the work threw as a failed result (announced, not stored); undefined, or no method, rethrows it
   * for the bus (a `RetriableError` is retried, anything else dead-lettered).
   */
  failure?(error: unknown, task: Task<Requested, Key>): PayloadOf<Completed> | undefined;
  /** What to log about the result. */
  logLine(result: PayloadOf<Completed>, task: Task<Requested, Key>): ResultLogLine;
}
