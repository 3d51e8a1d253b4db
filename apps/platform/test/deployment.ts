import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@tuneforge/contracts';
import { stopProcess } from '@tuneforge/service-kit/src/testing/child-process';
import { localInfraEnv, spawnService, WORKSPACE_ROOT } from '../src/spawn-service';

export interface RunningDeployment {
  gatewayUrl: string;
  processes: ChildProcess[];
  output(): string;
  /** The JSON log records (pino lines) a service's process wrote so far; in embedded mode, the one process's. */
  logRecords(service: string): LogRecord[];
  /** Distributed mode: starts the named service again (after it was killed), as it was started, and waits until it is ready. */
  restart(service: string): Promise<ChildProcess>;
  stop(): Promise<number[]>;
}

/** One structured log line: pino's fields plus whatever the line carried. */
export interface LogRecord {
  msg: string;
  service?: string;
  pid?: number;
  [field: string]: unknown;
}

/**
 * Starts a deployment the way a user does — embedded: one process; distributed: one process per
 * service against the real Kafka and MinIO — and waits until every service says it is ready.
 */
export async function startDeployment(mode: 'embedded' | 'distributed', basePort: number, extraEnv: NodeJS.ProcessEnv): Promise<RunningDeployment> {
  const logs: string[] = [];
  const records = new Map<string, LogRecord[]>();
  const capture = (child: ChildProcess, name: string) => {
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      logs.push(`[${name}] ${chunk}`);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          const record = JSON.parse(line) as LogRecord;
          if (typeof record.msg === 'string') records.set(name, [...(records.get(name) ?? []), record]);
        } catch {
          // not a log record
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => logs.push(`[${name}] ${chunk}`));
  };
  const envOf = (name: string, index: number): NodeJS.ProcessEnv => ({ ...localInfraEnv(), ...extraEnv, TF_HTTP_PORT: String(basePort + index), TF_INSTANCE_ID: `${name}-test` });
  let processes: ChildProcess[];
  if (mode === 'embedded') {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(WORKSPACE_ROOT, 'apps/platform/src/embedded.ts')], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...extraEnv, TF_HTTP_PORT: String(basePort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    capture(child, 'embedded');
    processes = [child];
  } else {
    processes = SERVICE_NAMES.map((name, index) => {
      const child = spawnService(name, envOf(name, index), 'pipe');
      capture(child, name);
      return child;
    });
  }
  const deployment: RunningDeployment = {
    gatewayUrl: `http://127.0.0.1:${basePort}`,
    processes,
    output: () => logs.join(''),
    logRecords: (service) => records.get(mode === 'embedded' ? 'embedded' : service) ?? [],
    restart: async (service) => {
      const index = SERVICE_NAMES.indexOf(service as (typeof SERVICE_NAMES)[number]);
      if (mode !== 'distributed' || index < 0) throw new Error(`cannot restart ${service} in ${mode} mode`);
      if (processes[index].exitCode === null && processes[index].signalCode === null) throw new Error(`${service} is still running`);
      const child = spawnService(service, envOf(service, index), 'pipe');
      capture(child, service);
      processes[index] = child;
      await waitUntilReady(`http://127.0.0.1:${basePort + index}/readyz`, [child], 120_000);
      return child;
    },
    stop: () => Promise.all(processes.map((child) => stopProcess(child))),
  };
  try {
    await Promise.all(SERVICE_NAMES.map((_, index) => waitUntilReady(`http://127.0.0.1:${basePort + index}/readyz`, processes, 120_000)));
  } catch (error) {
    await deployment.stop();
    throw new Error(`${(error as Error).message}\n--- output ---\n${deployment.output().slice(-6000)}`);
  }
  return deployment;
}

async function waitUntilReady(url: string, processes: ChildProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = processes.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (exited) throw new Error(`a service process exited (code ${exited.exitCode}, signal ${exited.signalCode}) before ${url} was ready`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
