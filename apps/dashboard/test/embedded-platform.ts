import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// The file itself, not the testing index: that one also loads NestJS, which the browser test does not need.
import { embeddedGatewayUrl, stopProcess } from '@tuneforge/service-kit/src/testing/child-process';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');

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
    platform.gatewayUrl = await embeddedGatewayUrl(child, () => output, 180_000);
  } catch (error) {
    await platform.stop();
    throw new Error(`${(error as Error).message}\n--- start:embedded output ---\n${output.slice(-6000)}`);
  }
  return platform;
}
