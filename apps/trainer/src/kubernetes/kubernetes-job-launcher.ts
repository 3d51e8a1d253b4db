import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job, type V1JobCondition, type V1Pod } from '@kubernetes/client-node';
import type { PodRunSpec } from '@tuneforge/contracts';
import { traceContextEnv, type Logger } from '@tuneforge/telemetry';
import { randomBytes } from 'node:crypto';
import type { PodStorageEnv } from '../runs/pod-storage-access';
import type { AdoptedPod, LaunchedPod, LaunchHooks, PodExit, TrainingLauncher } from '../runs/training-launcher';
import { buildTrainingJob, LABEL_RUN_ID, trainingContainer, type TrainingJobOptions } from './training-job';

const OUTPUT_TAIL_BYTES = 4096;
const LOG_TAIL_LINES = 50;

export interface KubernetesJobLauncherOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  template: V1Job;
  job: Omit<TrainingJobOptions, 'nameSuffix'>;
  /** Each launch's storage settings: credentials minted for its run, written into its Job (the template's envFrom gives none). */
  storageEnv: PodStorageEnv;
  /** How often a running Job's status is read. */
  pollIntervalMs: number;
  /**
   * A Job with no pod running by then (image that cannot be pulled, a missing Secret, no GPU node to
   * schedule on) is deleted and reported failed, rather than left waiting for its deadline.
   */
  startTimeoutMs: number;
  logger: Logger;
}

/** 5 characters of [a-z0-9]: a relaunch of the same run gets a Job of its own. */
function randomSuffix(): string {
  return Array.from(randomBytes(5), (byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('');
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** `Complete` or `Failed` with status True: the Job controller's final word (earlier conditions may precede it). */
function finalCondition(job: V1Job): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/**
 * Starts each training pod as a `batch/v1` Job built from the operator's template, in one namespace. The
 * Job's status is read every `pollIntervalMs` until the Job completes or fails: a read per interval per
 * running run is light for the API server, and unlike a watch it needs no resume logic when the
 * connection drops or the server ends the watch.
 */
export class KubernetesJobLauncher implements TrainingLauncher {
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(private readonly options: KubernetesJobLauncherOptions) {
    this.batch = options.kubeConfig.makeApiClient(BatchV1Api);
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
  }

  async launch(spec: PodRunSpec, hooks: LaunchHooks): Promise<LaunchedPod> {
    const { namespace, logger } = this.options;
    // TRACEPARENT: the pod's spans continue the trace of the request that launched it, as a local pod's do.
    const storageEnv = await this.options.storageEnv(spec);
    const job = { ...this.options.job, env: { ...storageEnv, ...this.options.job.env, ...traceContextEnv() } };
    const body = buildTrainingJob(this.options.template, spec, { ...job, nameSuffix: randomSuffix() });
    const created = await this.batch.createNamespacedJob({ namespace, body });
    const name = created.metadata?.name ?? body.metadata!.name!;
    const pod = new KubernetesJobPod(name, trainingContainer(body).name, this.batch, this.core, this.options);
    logger.info({ runId: spec.request.runId, job: name, namespace }, 'training Job created');
    void pod.follow().then((exit) => hooks.onExit(exit));
    return pod;
  }

  /** The namespace's unfinished training Jobs, each with the run spec it was created with, followed again. */
  async adopt(hooksFor: (spec: PodRunSpec) => LaunchHooks): Promise<AdoptedPod[]> {
    const { namespace, logger } = this.options;
    const list = await this.batch.listNamespacedJob({ namespace, labelSelector: LABEL_RUN_ID });
    const adopted: AdoptedPod[] = [];
    for (const job of list.items) {
      const name = job.metadata?.name;
      if (!name || finalCondition(job)) continue;
      const container = trainingContainer(job);
      const run = container.env?.find((variable) => variable.name === 'TF_TRAINING_RUN')?.value;
      let spec: PodRunSpec;
      try {
        spec = JSON.parse(run ?? '') as PodRunSpec;
        if (!spec?.request?.runId || !spec.tenant) throw new Error('no run id or tenant');
      } catch (error) {
        logger.warn({ job: name, namespace, err: error }, 'a training Job without a readable TF_TRAINING_RUN is left alone');
        continue;
      }
      const hooks = hooksFor(spec);
      const pod = new KubernetesJobPod(name, container.name, this.batch, this.core, this.options);
      void pod.follow().then((exit) => hooks.onExit(exit));
      adopted.push({ spec, pod });
    }
    return adopted;
  }
}

/** Pod phases that mean its container got to run. */
const STARTED_PHASES = new Set(['Running', 'Succeeded', 'Failed']);

class KubernetesJobPod implements LaunchedPod {
  private stopped = false;
  private started = false;
  private readonly launchedAt = Date.now();
  private wake: (() => void) | undefined;

  constructor(
    readonly id: string,
    private readonly container: string,
    private readonly batch: BatchV1Api,
    private readonly core: CoreV1Api,
    private readonly options: KubernetesJobLauncherOptions,
  ) {}

  /**
   * Nothing to do: a pod in the cluster is a Kafka client (TF_POD_BUS=kafka) and reads
   * `training.run.control.v1` itself; the trainer has no channel into it.
   */
  control(): void {}

  /** Stops following the Job and leaves it running: the pod reads the bus and publishes its own completion. */
  release(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
  }

  /** Deletes the Job and its pod; a relaunch of the run resumes from its last committed checkpoint. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    this.delete();
  }

  private delete(): void {
    const { namespace, logger } = this.options;
    this.batch
      .deleteNamespacedJob({ name: this.id, namespace, propagationPolicy: 'Background' })
      .then(() => logger.info({ job: this.id, namespace }, 'training Job deleted'))
      .catch((error: unknown) => {
        if (httpStatus(error) !== 404) logger.error({ err: error, job: this.id, namespace }, 'deleting the training Job failed');
      });
  }

  /** Resolves once the Job has ended, with how it ended. */
  async follow(): Promise<PodExit> {
    const { namespace, logger } = this.options;
    for (;;) {
      if (this.stopped) return { code: null, signal: 'SIGTERM', outputTail: '' };
      try {
        const job = await this.batch.readNamespacedJob({ name: this.id, namespace });
        const condition = finalCondition(job);
        if (condition?.type === 'Complete') return { code: 0, signal: null, outputTail: '' };
        if (condition?.type === 'Failed') return await this.failure(condition);
        if (!this.started) {
          const waiting = await this.startState();
          if (waiting !== undefined && Date.now() - this.launchedAt >= this.options.startTimeoutMs) return this.neverStarted(waiting);
        }
      } catch (error) {
        if (httpStatus(error) === 404 && !this.stopped) {
          return { code: null, signal: null, outputTail: `the Job ${namespace}/${this.id} was deleted before it finished` };
        }
        // The API server may be restarting: keep reading; the Job's own deadline bounds the wait.
        if (!this.stopped) logger.warn({ err: error, job: this.id, namespace }, 'reading the training Job failed; trying again');
      }
      await this.sleep();
    }
  }

  /** Marks the pod started once one is; otherwise says why none is. */
  private async startState(): Promise<string | undefined> {
    const pods = await this.core.listNamespacedPod({ namespace: this.options.namespace, labelSelector: `job-name=${this.id}` });
    if (pods.items.some((pod) => STARTED_PHASES.has(pod.status?.phase ?? ''))) {
      this.started = true;
      return undefined;
    }
    // Admission (Pod Security, quota) refused the pod: the reason is in the Job's events.
    if (pods.items.length === 0) return `no pod was created; \`kubectl describe job ${this.id}\` shows why`;
    const reasons = pods.items.flatMap((pod) => [
      ...(pod.status?.containerStatuses ?? []).map((s) => s.state?.waiting).filter((w) => w?.reason).map((w) => `${w!.reason}${w!.message ? `: ${w!.message}` : ''}`),
      ...(pod.status?.conditions ?? []).filter((c) => c.type === 'PodScheduled' && c.status === 'False').map((c) => `${c.reason ?? 'Unschedulable'}${c.message ? `: ${c.message}` : ''}`),
    ]);
    return [...new Set(reasons)].join('; ');
  }

  private neverStarted(waiting: string): PodExit {
    this.stopped = true;
    this.delete();
    const seconds = this.options.startTimeoutMs / 1000;
    return {
      code: 1,
      signal: null,
      outputTail: `the Job ${this.options.namespace}/${this.id} had no running pod after ${seconds} s (${waiting || 'pending, no reason given'}); it was deleted`,
    };
  }

  /** The pod's exit code and last log lines when they can be read, else the Job's own account. */
  private async failure(condition: V1JobCondition): Promise<PodExit> {
    const { namespace, logger } = this.options;
    const summary = `the Job ${namespace}/${this.id} failed (${condition.reason ?? 'Failed'})${condition.message ? `: ${condition.message}` : ''}`;
    let code: number | null = null;
    let log = '';
    try {
      const pods = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${this.id}` });
      const pod = latest(pods.items);
      if (pod) {
        const status = pod.status?.containerStatuses?.find((s) => s.name === this.container);
        const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
        if (terminated && terminated.exitCode !== 0) code = terminated.exitCode;
        log = await this.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: this.container, tailLines: LOG_TAIL_LINES });
      }
    } catch (error) {
      logger.warn({ err: error, job: this.id, namespace }, "the failed training pod's status or log could not be read");
    }
    // A Job that failed with no container exit code (deadline, eviction, a pod never started) still failed.
    return { code: code ?? 1, signal: null, outputTail: (log.trim() ? log : summary).slice(-OUTPUT_TAIL_BYTES) };
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function latest(pods: readonly V1Pod[]): V1Pod | undefined {
  return [...pods].sort((a, b) => time(b) - time(a))[0];
}

function time(pod: V1Pod): number {
  const created = pod.metadata?.creationTimestamp;
  return created ? new Date(created).getTime() : 0;
}
