import type { PythonGrader } from '@tuneforge/contracts';
import { spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraderRunError, GraderSampleError } from '../grader-errors';
import type { GraderContext, GraderImplementation, GraderInput } from '../grader-types';
import { RESULT_MARKER, RUNNER_SOURCE } from './runner-source';
import { pythonSandbox, pythonSandboxProblem } from './sandbox-probe';

/** OpenAI's documented limits for a python grader: 2 minutes, 2 GB. */
export const DEFAULT_PYTHON_LIMITS = { timeoutMs: 120_000, memoryMb: 2048 };

const MAX_STDOUT = 1024 * 1024;
const MAX_STDERR = 16 * 1024;

// Graders of a whole group run at once; more processes than cores only make each slower to reach its wall clock.
let running = 0;
const waiting: Array<() => void> = [];
async function slot(): Promise<() => void> {
  if (running >= availableParallelism()) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/**
 * OpenAI's python grader: the user's `grade(sample, item)` in a child python3 with no network (a new network
 * namespace), as an unprivileged user where the host runs as root, with an empty environment, a fresh temporary
 * working directory, and resource limits it cannot raise (address space, CPU seconds, file size, open files, no
 * child processes). The wall clock is enforced from here: at the limit the process group is killed and the sample
 * scores 0, and the run goes on. No sandbox on this host is the run's failure (`GraderRunError`).
 */
export const runPythonGrader: GraderImplementation<PythonGrader> = async (grader, input, ctx) => {
  const sandbox = pythonSandbox();
  if (!sandbox) throw new GraderRunError(pythonSandboxProblem() ?? 'python graders are not available on this host', 'sandbox_unavailable');
  const limits = ctx.python ?? DEFAULT_PYTHON_LIMITS;
  const release = await slot();
  const directory = await mkdtemp(join(tmpdir(), 'tf-grader-'));
  try {
    if (sandbox.uid !== undefined) await chown(directory, sandbox.uid, sandbox.uid);
    const output = await runSandboxed([...sandbox.argv, '-c', RUNNER_SOURCE, String(limits.memoryMb), String(Math.ceil(limits.timeoutMs / 1000) + 1)], directory, payloadOf(grader, input), limits.timeoutMs, ctx);
    return { score: resultOf(output) };
  } finally {
    release();
    await rm(directory, { recursive: true, force: true });
  }
};

function payloadOf(grader: PythonGrader, input: GraderInput): string {
  const sample: Record<string, unknown> = { ...input.sample };
  if (sample.output_json === undefined) {
    try {
      sample.output_json = JSON.parse(input.sample.output_text);
    } catch {
      sample.output_json = null;
    }
  }
  return JSON.stringify({ source: grader.source, sample, item: input.item });
}

interface Finished {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

function runSandboxed(argv: string[], cwd: string, stdin: string, timeoutMs: number, ctx: GraderContext): Promise<Finished> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that the kill reaches anything it managed to start.
    const child = spawn(argv[0], argv.slice(1), { cwd, env: {}, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => kill();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_STDOUT) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
    });
    // A grader that exits without reading its input closes the pipe early; that is its own failure, reported below.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new GraderRunError(`the python sandbox could not be started: ${error.message}`, 'sandbox_unavailable'));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      if (ctx.signal?.aborted) reject(ctx.signal.reason);
      else resolve({ stdout, stderr, code, signal, timedOut });
    });
  });
}

function resultOf(finished: Finished): number {
  if (finished.timedOut) throw new GraderSampleError('the python grader did not return within its time limit and was stopped');
  const line = finished.stdout.split('\n').filter((candidate) => candidate.startsWith(RESULT_MARKER)).at(-1);
  if (!line) {
    const why = finished.signal === 'SIGXCPU' ? 'it ran out of CPU time' : finished.signal ? `it was killed by ${finished.signal}` : `it exited with code ${finished.code}`;
    const detail = finished.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new GraderSampleError(`the python grader gave no result: ${why}${detail ? ` (${detail})` : ''}`);
  }
  const result = JSON.parse(line.slice(RESULT_MARKER.length)) as { score?: number; error?: string };
  if (result.error !== undefined || typeof result.score !== 'number') throw new GraderSampleError(`the python grader failed: ${result.error ?? 'no score'}`);
  return result.score;
}
