import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@tuneforge/contracts';
import { localInfraEnv, spawnService, WORKSPACE_ROOT } from '../src/spawn-service';

export interface RunningDeployment {
  gatewayUrl: string;
  processes: ChildProcess[];
  output(): string;
  stop(): Promise<number[]>;
}

/**
 * Starts a deployment the way a user does — embedded: one process; distributed: one process per
 * service against the real Kafka and MinIO — and waits until every service says it is ready.
 */
export async function startDeployment(mode: 'embedded' | 'distributed', basePort: number, extraEnv: NodeJS.ProcessEnv): Promise<RunningDeployment> {
  const logs: string[] = [];
  const capture = (child: ChildProcess, name: string) => {
    child.stdout?.on('data', (chunk: Buffer) => logs.push(`[${name}] ${chunk}`));
    child.stderr?.on('data', (chunk: Buffer) => logs.push(`[${name}] ${chunk}`));
  };
  let processes: ChildProcess[];
  if (mode === 'embedded') {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(WORKSPACE_ROOT, 'tools/launcher/src/embedded.ts')], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...extraEnv, TF_HTTP_PORT: String(basePort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    capture(child, 'embedded');
    processes = [child];
  } else {
    processes = SERVICE_NAMES.map((name, index) => {
      const child = spawnService(name, { ...localInfraEnv(), ...extraEnv, TF_HTTP_PORT: String(basePort + index), TF_INSTANCE_ID: `${name}-test` }, 'pipe');
      capture(child, name);
      return child;
    });
  }
  const deployment: RunningDeployment = {
    gatewayUrl: `http://127.0.0.1:${basePort}`,
    processes,
    output: () => logs.join(''),
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
    const exited = processes.find((child) => child.exitCode !== null);
    if (exited) throw new Error(`a service process exited with code ${exited.exitCode} before ${url} was ready`);
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

/** SIGTERM, then the exit code; a process that ignores it past 30 s is killed and reported as such. */
export function stopProcess(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal === 'SIGKILL' ? 137 : 143));
    });
    child.kill('SIGTERM');
  });
}
