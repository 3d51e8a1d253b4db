import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export { localInfraEnv } from '@tuneforge/service-kit';

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
