import type { INestApplication } from '@nestjs/common';
import { createMessage, type MessageOf, type PayloadOf, type TopicSpec } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { openArtifact, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { loadServiceConfig } from '../service-config';
import type { ServiceDefinition } from '../service-definition';
import type { TaskTopic } from '../task-worker/task-work';
import { startServiceUnderTest } from './start-service-under-test';
import { TaskResults } from './task-results';

/** A task topic whose tasks belong to a job (the correlation id of the task's messages). */
type JobTaskTopic = TopicSpec<z.ZodType<{ taskId: string; jobId: string }>>;

/** The task service a harness runs, and how. */
export interface TaskServiceUnderTest<Requested extends JobTaskTopic, Completed extends TaskTopic> {
  service: ServiceDefinition;
  requested: Requested;
  completed: Completed;
  logger: Logger;
  /** Environment variables the service gets in every test, under those the harness's `env` sets. */
  defaults?: NodeJS.ProcessEnv;
}

/**
 * A task service (its TaskWorker) as a Nest app on a test's bus and store, plus a listener on its result
 * topic, so that a test publishes a task and awaits the `count`-th result of that task id (the event is
 * what is awaited, never a sleep). Each service's harness adds its own inputs (uploads, artifacts, requests).
 */
export abstract class TaskServiceHarness<Requested extends JobTaskTopic, Completed extends TaskTopic> {
  readonly runId = `${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
  /** The tenant the tasks are sent for. */
  abstract readonly tenant: string;
  protected abstract readonly under: TaskServiceUnderTest<Requested, Completed>;
  /** The service's app first, then any other a harness starts; closed in that order. */
  protected readonly apps: INestApplication[] = [];
  private results?: TaskResults<Completed>;

  constructor(
    readonly bus: MessageBus,
    readonly store: ArtifactStore,
    /** The service's own environment variables, validated by its schema as at boot. */
    public env: NodeJS.ProcessEnv = {},
  ) {}

  get tenantStore(): ArtifactStore {
    return this.store.forTenant(this.tenant);
  }

  async start(): Promise<void> {
    const { service, completed, logger, defaults } = this.under;
    await this.store.ping();
    this.results = await TaskResults.listen(this.bus, completed, { group: `${service.name}-test-listener-${this.runId}`, service: `${service.name}-test` });
    const config = service.envSchema ? loadServiceConfig(service.envSchema, { ...defaults, ...this.env }) : {};
    this.apps.push(await startServiceUnderTest(service, { runId: this.runId, bus: this.bus, store: this.store, logger, config }));
  }

  async stop(): Promise<void> {
    for (const app of this.apps) await app.close();
    await this.results?.close();
    await this.bus.close();
  }

  /** Publishes the task and resolves with its `count`-th result. */
  async send(payload: PayloadOf<Requested>, count = 1): Promise<MessageOf<Completed>> {
    const result = this.result(payload.taskId, count);
    await this.bus.publish(this.under.requested, createMessage(this.under.requested, payload, { correlationId: payload.jobId, tenant: this.tenant }));
    return result;
  }

  /** Resolves with the `count`-th result of a task without publishing it (a task sent some other way). */
  result(taskId: string, count = 1): Promise<MessageOf<Completed>> {
    return this.results!.result(taskId, count);
  }

  async readArtifactFile(prefix: string, path: string): Promise<string> {
    return (await (await openArtifact(this.tenantStore, prefix)).readFile(path)).toString('utf8');
  }
}
