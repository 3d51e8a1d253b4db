import type { ChildProcess } from 'node:child_process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The gateway's address from `npm run start:embedded`'s "ready" log line (it listens on free ports with
 * TF_HTTP_PORT=0), read from the child's output so far; fails when the child exits first or the time is up.
 */
export async function embeddedGatewayUrl(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
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

/** SIGTERM, then the exit code; a process that ignores it past 30 s is killed and reported as such (137). */
export function stopProcess(child: ChildProcess): Promise<number> {
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
