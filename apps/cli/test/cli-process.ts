import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');
const MAIN = resolve(__dirname, '../src/main.ts');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  /** Resolves with the first match of `pattern` in stdout + stderr so far (or fails when the process ends first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliRun>;
}

/**
 * `tuneforge <args>` as a user runs it (a child process: `node -r @swc-node/register apps/cli/src/main.ts`),
 * with `input` piped to its stdin (then closed) when given, else no stdin.
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv, input?: string): RunningCli {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN, ...args], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const done = new Promise<CliRun>((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      for (const listener of listeners) listener();
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
  });
  let ended = false;
  void done.then(() => (ended = true));
  const waitFor = (pattern: RegExp, timeoutMs = 240_000) =>
    new Promise<RegExpMatchArray>((resolveMatch, reject) => {
      const check = () => {
        const match = (stdout + stderr).match(pattern);
        if (match) {
          cleanup();
          resolveMatch(match);
        } else if (ended) {
          cleanup();
          reject(new Error(`tuneforge ${args.join(' ')} ended without printing ${pattern}:\n${stdout}\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`tuneforge ${args.join(' ')} did not print ${pattern} in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return { waitFor, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliRun> {
  return startCli(args, env, input).done;
}
