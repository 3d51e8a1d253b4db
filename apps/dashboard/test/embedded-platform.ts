import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunningPlatform {
  gatewayUrl: string;
  output(): string;
  /** SIGTERM, then the exit code (killed after 30 s: reported as 137). */
  stop(): Promise<number>;
}

/**
 * `npm run start:embedded` as a user runs it (every service in one process, PGlite, the filesystem store, the tiny
 * model registered for every tenant), in a fresh directory, on free ports, with the given tenants' API keys.
 */
export async function startEmbeddedPlatform(apiKeys: Record<string, string>): Promise<RunningPlatform> {
  const cwd = mkdtempSync(join(tmpdir(), 'tf-dashboard-it-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_HTTP_PORT: '0',
    TF_TRAIN_POD_THREADS: '1',
    TF_API_KEYS: Object.entries(apiKeys)
      .map(([key, tenant]) => `${key}:${tenant}`)
      .join(','),
    TF_RATE_LIMIT_PER_MINUTE: '100000',
    SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.json'),
  };
  for (const name of ['TF_ARTIFACT_DIR', 'TF_STORAGE_DRIVER', 'TF_DATABASE_URL', 'TF_LOG_LEVEL', 'TF_INFERENCE_URL']) delete env[name];
  const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), join(WORKSPACE_ROOT, 'apps/platform/src/embedded.ts')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const platform: RunningPlatform = { gatewayUrl: '', output: () => output, stop: () => stopProcess(child) };
  try {
    platform.gatewayUrl = await gatewayUrlOf(child, () => output, 180_000);
  } catch (error) {
    await platform.stop();
    throw new Error(`${(error as Error).message}\n--- start:embedded output ---\n${output.slice(-6000)}`);
  }
  return platform;
}

/** The gateway's address from the "ready" log line (free ports with TF_HTTP_PORT=0). */
async function gatewayUrlOf(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of output().split('\n')) {
      if (!line.startsWith('{')) continue;
      const record = JSON.parse(line) as { msg?: string; gateway?: string };
      if (record.msg === 'Tuneforge embedded deployment ready' && record.gateway) return record.gateway;
    }
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`start:embedded exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`start:embedded not ready within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function stopProcess(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode === 'SIGKILL' ? 137 : 143);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal === 'SIGKILL' ? 137 : 143));
    });
    child.kill('SIGTERM');
  });
}
