import type { PodRunSpec, PodToTrainerIpc, TrainerToPodIpc, TrainingControlMessage } from '@tuneforge/contracts';
import { traceContextEnv, type Logger } from '@tuneforge/telemetry';
import { spawn, type ChildProcess } from 'node:child_process';
import type { PodStorageEnv } from './pod-storage-access';
import type { LaunchedPod, LaunchHooks, TrainingLauncher } from './training-launcher';

const OUTPUT_TAIL_BYTES = 4096;

export interface LocalProcessLauncherOptions {
  entry: string;
  cwd: string;
  /** `ipc`: the pod's events and control go through this process (in-process bus); `kafka`: the pod is a Kafka client. */
  bus: 'ipc' | 'kafka';
  /** Each launch's storage settings (credentials minted for its run where the store has any), on top of this process's environment. */
  storageEnv: PodStorageEnv;
  /** Environment of every pod on top of those. */
  env: Record<string, string>;
  forwardOutput: boolean;
  logger: Logger;
}

/**
 * This process's environment without its own credentials: a pod logs in to Kafka as the training pod's principal
 * (TF_TRAIN_POD_ENV names it), never as the trainer, and gets storage keys minted for its run.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['TF_KAFKA_SASL_USERNAME', 'TF_KAFKA_SASL_PASSWORD', 'TF_KAFKA_SASL_MECHANISM', 'TF_S3_ACCESS_KEY', 'TF_S3_SECRET_KEY', 'TF_S3_SESSION_TOKEN']) delete env[name];
  return env;
}

/** Runs each training pod as a child process of the trainer: `node -r @swc-node/register <entry>`. */
export class LocalProcessLauncher implements TrainingLauncher {
  constructor(private readonly options: LocalProcessLauncherOptions) {}

  async launch(spec: PodRunSpec, hooks: LaunchHooks): Promise<LaunchedPod> {
    const { options } = this;
    const storageEnv = await options.storageEnv(spec);
    const child = spawn(process.execPath, ['-r', '@swc-node/register', options.entry], {
      cwd: options.cwd,
      // TRACEPARENT: the pod's spans continue the trace of the request that launched it.
      env: { ...inheritedEnv(), ...storageEnv, ...options.env, ...traceContextEnv(), TF_TRAINING_RUN: JSON.stringify(spec), TF_POD_BUS: options.bus },
      stdio: ['ignore', 'pipe', 'pipe', ...(options.bus === 'ipc' ? (['ipc'] as const) : [])],
    });
    let tail = '';
    const keep = (chunk: Buffer, to: NodeJS.WriteStream) => {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
      if (options.forwardOutput) to.write(chunk);
    };
    child.stdout?.on('data', (chunk: Buffer) => keep(chunk, process.stdout));
    child.stderr?.on('data', (chunk: Buffer) => keep(chunk, process.stderr));

    const pod = new LocalPod(child, options.bus === 'ipc');
    // Relayed in the order the pod sent them: per-run order holds as it would on Kafka.
    let relay = Promise.resolve();
    child.on('message', (raw: PodToTrainerIpc) => {
      if (raw?.type === 'ready') return pod.ready();
      if (raw?.type !== 'publish') return;
      relay = relay.then(() =>
        hooks.onPublish(raw.topic, raw.message).catch((error: unknown) => options.logger.error({ err: error, topic: raw.topic }, 'relaying a pod message failed')),
      );
    });
    child.once('exit', (code, signal) => {
      void relay.then(() => hooks.onExit({ code, signal, outputTail: tail }));
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    options.logger.info({ runId: spec.request.runId, pid: child.pid, bus: options.bus }, 'training pod launched');
    return pod;
  }
}

class LocalPod implements LaunchedPod {
  private readonly queued: TrainingControlMessage[] = [];
  private isReady = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly viaIpc: boolean,
  ) {}

  get id(): string {
    return `pid-${this.child.pid}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  ready(): void {
    this.isReady = true;
    for (const message of this.queued.splice(0)) this.send(message);
  }

  control(message: TrainingControlMessage): void {
    if (!this.viaIpc) return;
    if (this.isReady) this.send(message);
    else this.queued.push(message);
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }

  /** A child process cannot outlive its trainer's purpose (its messages may go through the trainer): stopped. */
  release(): void {
    this.stop();
  }

  private send(message: TrainingControlMessage): void {
    const out: TrainerToPodIpc = { type: 'control', message };
    if (this.child.connected) this.child.send(out);
  }
}
