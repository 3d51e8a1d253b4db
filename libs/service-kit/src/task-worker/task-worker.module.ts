import { Controller, Inject, type ModuleMetadata, type OnApplicationBootstrap, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import type { ServiceIdentity } from '../service-runtime';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG, SERVICE_IDENTITY } from '../tokens';
import { BackgroundTasks, type BackgroundSettings } from './background-tasks';
import { TaskRecords } from './task-records';
import type { TaskTopic, TaskWork } from './task-work';
import { TaskWorker } from './task-worker';

export interface TaskWorkerOptions<Requested extends TaskTopic, Completed extends TaskTopic, Key, Output, Config> {
  /** The task topic the service consumes. */
  requested: Requested;
  /** The result topic it announces on. */
  completed: Completed;
  /** The service's own work: an injectable class (it gets the service's config, logger, ... by injection). */
  work: Type<TaskWork<Requested, Completed, Key, Output>>;
  /** Set for tasks too long for a consumer callback: they are recorded, queued and run in the background (BackgroundTasks). */
  background?: (config: Partial<Config>) => BackgroundSettings;
}

/**
 * A service module's controllers and providers for one task worker: the handler of `requested` runs the
 * service's work through a TaskWorker (inline, or queued in the background), and announces on `completed`.
 * `@Module(taskWorkerModule({ requested, completed, work }))` is the whole module of a task service.
 */
export function taskWorkerModule<Requested extends TaskTopic, Completed extends TaskTopic, Key, Output, Config = Record<string, unknown>>(
  options: TaskWorkerOptions<Requested, Completed, Key, Output, Config>,
): Pick<ModuleMetadata, 'controllers' | 'providers'> {
  @Controller()
  class TaskHandler implements OnApplicationBootstrap, OnApplicationShutdown {
    private readonly worker: TaskWorker<Requested, Completed, Key, Output>;
    private readonly background?: BackgroundTasks<Requested>;

    constructor(
      @Inject(options.work) work: TaskWork<Requested, Completed, Key, Output>,
      @Inject(MESSAGE_BUS) bus: MessageBus,
      @Inject(ARTIFACT_STORE) store: ArtifactStore,
      @Inject(LOGGER) logger: Logger,
      @Inject(SERVICE_IDENTITY) identity: ServiceIdentity,
      @Inject(SERVICE_CONFIG) config: Partial<Config>,
    ) {
      this.worker = new TaskWorker({ bus, store, logger }, options.completed, work);
      const settings = options.background?.(config);
      if (settings) {
        const records = new TaskRecords(store, options.requested, settings.recordsRoot);
        this.background = new BackgroundTasks(records, (request) => this.worker.handle(request), settings, identity.instanceId, logger);
      }
    }

    /** Inline: returns once the result is announced. Background: returns once the task is recorded and queued. */
    @EventPattern(options.requested.name)
    handle(@Payload() request: MessageOf<Requested>): Promise<void> {
      return this.background ? this.background.accept(request) : this.worker.handle(request);
    }

    onApplicationBootstrap(): void {
      this.background?.start();
    }

    async onApplicationShutdown(): Promise<void> {
      await this.background?.stop();
    }
  }
  Object.defineProperty(TaskHandler, 'name', { value: `${options.work.name}Handler` });
  return { controllers: [TaskHandler], providers: [options.work] };
}
