import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  createMessage,
  findTopic,
  trainingRunCompletedV1,
  trainingRunProgressedV1,
  trainingRunRequestedV1,
  type Envelope,
  type MessageOf,
  type PodRunSpec,
  type TrainingControlMessage,
} from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { LOGGER, MESSAGE_BUS } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import { TRAINER_SETTINGS, type TrainerSettings } from './trainer-settings';
import { TRAINING_LAUNCHER, type LaunchedPod, type PodExit, type TrainingLauncher } from './training-launcher';

type Requested = MessageOf<typeof trainingRunRequestedV1>;

/** Exit code of a pod refused at start for its configuration: starting it again cannot help. */
const EXIT_CONFIG = 78;

interface RunRecord {
  spec: PodRunSpec;
  attempts: number;
  pod?: LaunchedPod;
  /** Control messages so far, replayed to a relaunched pod that hears control through its launcher. */
  controls: TrainingControlMessage[];
  lastStep: number;
  state: 'running' | 'concluded';
}

/**
 * The runs this trainer launched, by tenant and run id. The request handler only launches (the pod
 * trains); a request delivered again for a known run changes nothing; a pod that dies without
 * concluding is launched again (it resumes from its last checkpoint) until the attempts run out, and
 * then the run is reported failed.
 */
@Injectable()
export class TrainingRuns implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly runs = new Map<string, RunRecord>();
  private shuttingDown = false;

  constructor(
    @Inject(TRAINING_LAUNCHER) private readonly launcher: TrainingLauncher,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TRAINER_SETTINGS) private readonly settings: TrainerSettings,
  ) {}

  async start(message: Requested): Promise<void> {
    const key = runKey(message.tenant, message.payload.runId);
    if (this.runs.has(key)) {
      this.logger.info({ runId: message.payload.runId }, 'training run already launched; request ignored');
      return;
    }
    const record: RunRecord = {
      spec: { tenant: message.tenant, requestMessageId: message.messageId, request: message.payload, controlsSince: message.createdAt },
      attempts: 0,
      controls: [],
      lastStep: 0,
      state: 'running',
    };
    this.runs.set(key, record);
    await this.launch(record);
  }

  control(message: TrainingControlMessage): void {
    const record = this.runs.get(runKey(message.tenant, message.payload.runId));
    if (!record || record.state !== 'running') return;
    record.controls.push(message);
    record.pod?.control(message);
  }

  /** The run's current pod and how many times it was launched, for tests and diagnostics. */
  describe(tenant: string, runId: string): { pod?: LaunchedPod; attempts: number; state: 'running' | 'concluded' } | undefined {
    const record = this.runs.get(runKey(tenant, runId));
    return record && { pod: record.pod, attempts: record.attempts, state: record.state };
  }

  /** Runs whose pods an earlier trainer left running (Kubernetes Jobs) are this trainer's now. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.launcher.adopt) return;
    try {
      const adopted = await this.launcher.adopt((spec) => {
        // An adopted run counts as launched once: if its pod dies, it is relaunched as any run is.
        const record: RunRecord = { spec, attempts: 1, controls: [], lastStep: 0, state: 'running' };
        this.runs.set(runKey(spec.tenant, spec.request.runId), record);
        return { onPublish: (topic, message) => this.relay(record, topic, message), onExit: (exit) => this.settle(record, exit) };
      });
      for (const { spec, pod } of adopted) this.runs.get(runKey(spec.tenant, spec.request.runId))!.pod = pod;
      if (adopted.length) this.logger.info({ runs: adopted.map(({ spec }) => spec.request.runId) }, 'following training pods an earlier trainer left running');
    } catch (error) {
      // The cluster API unreachable at start: new runs still work; the left pods publish their own completion.
      this.logger.warn({ err: error }, 'could not look for training pods left running; they conclude on their own');
    }
  }

  onApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const record of this.runs.values()) record.pod?.release();
  }

  private async launch(record: RunRecord): Promise<void> {
    record.attempts += 1;
    record.pod = undefined;
    try {
      // The pod starts in the state the controls so far leave it in (paused after a pause), whatever it reads later.
      const spec: PodRunSpec = { ...record.spec, controls: record.controls.map((control) => control.payload.action) };
      record.pod = await this.launcher.launch(spec, {
        onPublish: (topic, message) => this.relay(record, topic, message),
        onExit: (exit) => this.settle(record, exit),
      });
      for (const control of record.controls) record.pod.control(control);
    } catch (error) {
      await this.fail(record, `the training pod could not be started: ${(error as Error).message}`);
    }
  }

  private async relay(record: RunRecord, topicName: string, message: Envelope): Promise<void> {
    const topic = findTopic(topicName);
    if (!topic || message.tenant !== record.spec.tenant) throw new Error(`a pod may not publish to ${topicName} for tenant ${message.tenant}`);
    if (topic === trainingRunProgressedV1) record.lastStep = (message.payload as { step: number }).step;
    if (topic === trainingRunCompletedV1) record.state = 'concluded';
    await this.bus.publish(topic, message);
  }

  /**
   * What a pod's exit leads to (relaunch, or the run's failure report), retried with backoff while the bus or the
   * cluster is away: an outage must delay the report, not lose it or take the trainer down with an unhandled
   * rejection. Stops retrying when the trainer shuts down (the run's pod is left to an adopting trainer).
   */
  private settle(record: RunRecord, exit: PodExit, attempt = 1): void {
    this.onExit(record, exit).catch((error: unknown) => {
      if (this.shuttingDown) return;
      const delayMs = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      this.logger.warn({ err: error, runId: record.spec.request.runId, attempt, delayMs }, 'could not act on the training pod\'s exit; retrying');
      setTimeout(() => this.settle(record, exit, attempt + 1), delayMs).unref();
    });
  }

  private async onExit(record: RunRecord, exit: PodExit): Promise<void> {
    const runId = record.spec.request.runId;
    if (exit.code === 0 || record.state === 'concluded' || this.shuttingDown) {
      record.state = 'concluded';
      return;
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    if (exit.code !== EXIT_CONFIG && record.attempts < this.settings.maxAttempts) {
      this.logger.warn({ runId, attempt: record.attempts, code: exit.code, signal: exit.signal }, `training pod ${how} before concluding; launching it again to resume`);
      await this.launch(record);
      return;
    }
    const tail = exit.outputTail.trim().split('\n').slice(-5).join('\n');
    await this.fail(record, `the training pod ${how} before concluding (attempt ${record.attempts} of ${this.settings.maxAttempts})${tail ? `: ${tail}` : ''}`);
  }

  private async fail(record: RunRecord, error: string): Promise<void> {
    const { runId, jobId } = record.spec.request;
    this.logger.error({ runId, error }, 'training run failed');
    // Concluded once the report is out: a report the bus refused is sent again (settle), not forgotten.
    await this.bus.publish(
      trainingRunCompletedV1,
      createMessage(
        trainingRunCompletedV1,
        { runId, jobId, status: 'failed', step: record.lastStep, error: error.slice(0, 4000) },
        { correlationId: jobId, tenant: record.spec.tenant, causedBy: { messageId: record.spec.requestMessageId } },
      ),
    );
    record.state = 'concluded';
  }
}

function runKey(tenant: string, runId: string): string {
  return `${tenant}/${runId}`;
}
