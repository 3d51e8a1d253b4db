import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '../src/spawn-service';

/** README's main command, as a user runs it: the job ends succeeded and says where the model is. */
describe('npm run quickstart', () => {
  it('fine-tunes the tiny model end to end in embedded mode', async () => {
    const child = spawn('npm', ['run', '-s', 'quickstart'], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, TF_ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'tf-quickstart-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
    expect(output).toMatch(/Data prepared: \d+ training/);
    expect(output).toMatch(/Continuing was approved by the approval policy/);
    expect(output).toMatch(/Evaluation \(iteration 1\): tool_selection_accuracy [\d.]+ \(base [\d.]+\)/);
    expect(output).toMatch(/The model of iteration 1 was accepted by the approval policy/);
    expect(output).toMatch(/job ftjob-\S+ succeeded/);
    expect(output).toMatch(/fine-tuned model: \S+\/merged/);
    const losses = [...output.matchAll(/training loss=([\d.]+)/g)].map((match) => Number(match[1]));
    expect(losses.length).toBeGreaterThan(4);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });
});
