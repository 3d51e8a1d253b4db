import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..');

/**
 * Starts one service as its own OS process, running its TypeScript entry point through SWC. Output is
 * inherited unless the caller asks for pipes (tests keep it to print on failure).
 */
export function spawnService(name: string, env: NodeJS.ProcessEnv, stdio: 'inherit' | 'pipe' = 'inherit'): ChildProcess {
  const entry = join(WORKSPACE_ROOT, 'apps', name, 'src', 'main.ts');
  return spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ...env },
    stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
}

/** Where a distributed deployment's services connect: `infra/up.sh`'s defaults, unless the environment says otherwise. */
export function localInfraEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const configured = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('TF_') || name.startsWith('OTEL_')));
  return { ...LOCAL_INFRA_DEFAULTS, ...configured };
}

const LOCAL_INFRA_DEFAULTS: NodeJS.ProcessEnv = {
  TF_MODE: 'distributed',
  TF_KAFKA_BROKERS: '127.0.0.1:9092',
  TF_STORAGE_DRIVER: 'minio',
  TF_S3_ENDPOINT: 'http://127.0.0.1:9000',
  TF_S3_ACCESS_KEY: 'tuneforge',
  TF_S3_SECRET_KEY: 'tuneforge-dev-secret',
  TF_S3_BUCKET: 'tuneforge',
  // The development key, as in embedded mode; a real deployment sets its own keys.
  TF_API_KEYS: 'tf-dev-key:default',
};
