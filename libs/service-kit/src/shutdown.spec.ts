import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** A process using closeOnSignals, run for real: what it prints and how it exits. */
function run(body: string): { status: number | null; output: string } {
  const script = `
    const { closeOnSignals } = require(${JSON.stringify(resolve(__dirname, 'shutdown.ts'))});
    const lines = [];
    const logger = { info: (...a) => console.log('info', JSON.stringify(a)), error: (o, m) => console.log('error', m, String(o.err && o.err.message)) };
    closeOnSignals([async () => console.log('closer ran')], 5000, logger);
    ${body}
  `;
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('closeOnSignals', () => {
  it('a rejected promise nobody handles is logged, the closers run, and the process exits 1', () => {
    const { status, output } = run(`setTimeout(() => Promise.reject(new Error('report could not be published')), 10); setTimeout(() => {}, 10_000);`);
    expect(output).toContain('error a promise was rejected with no handler: shutting down report could not be published');
    expect(output).toContain('closer ran');
    expect(status).toBe(1);
  });

  it('an uncaught exception does the same', () => {
    const { status, output } = run(`setTimeout(() => { throw new Error('boom'); }, 10); setTimeout(() => {}, 10_000);`);
    expect(output).toContain('error an exception was not caught: shutting down boom');
    expect(output).toContain('closer ran');
    expect(status).toBe(1);
  });

  it('SIGTERM still shuts down cleanly with exit 0', () => {
    const { status, output } = run(`setTimeout(() => process.kill(process.pid, 'SIGTERM'), 10); setTimeout(() => {}, 10_000);`);
    expect(output).toContain('closer ran');
    expect(status).toBe(0);
  });
});
