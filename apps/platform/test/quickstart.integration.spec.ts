import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '../src/spawn-service';

/** The evaluation reports in the filesystem store the quick start ran on (objects/tenants/<tenant>/jobs/<job>/evaluation/<task>/report/). */
function evaluationReportsUnder(dir: string): string[] {
  return readdirSync(join(dir, 'objects'), { recursive: true, encoding: 'utf8' })
    .filter((path) => /\/evaluation\/[^/]+\/report\/report\.json$/.test(path))
    .map((path) => join(dir, 'objects', path));
}

/** README's main command, as a user runs it: the job ends succeeded and says where the model is. */
describe('npm run quickstart', () => {
  it('creates a tiny model and fine-tunes it on a small ReAct tool-use dataset end to end in embedded mode', async () => {
    const artifactDir = mkdtempSync(join(tmpdir(), 'tf-quickstart-'));
    const started = Date.now();
    const child = spawn('npm', ['run', '-s', 'quickstart'], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, TF_ARTIFACT_DIR: artifactDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    process.stdout.write(`quickstart took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
    // The base model is made on the spot, in the quick start's own directory, and that is what is registered.
    const modelDir = join(artifactDir, 'base-models', 'tiny-llama');
    expect(output).toContain(`creating the tiny model in ${modelDir}`);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) expect(existsSync(join(modelDir, file))).toBe(true);
    expect(output).toMatch(/uploaded react-tools\.jsonl: file-\S+/);
    expect(output).toMatch(/uploaded react-tools-eval\.jsonl: file-\S+/);
    expect(output).toMatch(/Data prepared: \d+ training/);
    expect(output).toMatch(/Continuing was approved by the approval policy/);
    expect(output).toMatch(/Evaluation \(iteration 1\): tool_selection_accuracy [\d.]+ \(base [\d.]+\)/);
    expect(output).toMatch(/The model of iteration 1 was accepted by the approval policy/);
    expect(output).toMatch(/job ftjob-\S+ succeeded/);
    expect(output).toMatch(/fine-tuned model: ft:tiny-llama:\S+:[a-z0-9]{8}$/m);
    const losses = [...output.matchAll(/training loss=([\d.]+)/g)].map((match) => Number(match[1]));
    expect(losses.length).toBeGreaterThan(4);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);

    // The evaluation report it points to ran both models as ReAct agents (the data is written in ReAct).
    const reports = evaluationReportsUnder(artifactDir);
    expect(reports).toHaveLength(1);
    const report = JSON.parse(readFileSync(reports[0], 'utf8')) as { agent?: { format: string }; summary: Record<'base' | 'tuned', { metrics: Record<string, number> }> };
    expect(report.agent?.format).toBe('react');
    // Two dozen samples are enough for the tiny model to write valid ReAct steps and pick a tool on held-out requests.
    const tuned = report.summary.tuned.metrics;
    const base = report.summary.base.metrics;
    expect(tuned.format_validity).toBeGreaterThan(base.format_validity);
    expect(tuned.tool_selection_accuracy).toBeGreaterThan(base.tool_selection_accuracy);
    // What the quick start printed is what the report holds.
    const printed = /Evaluation \(iteration 1\): tool_selection_accuracy ([\d.]+) \(base ([\d.]+)\)/.exec(output)!;
    expect(Number(printed[1])).toBeCloseTo(tuned.tool_selection_accuracy, 3);
    expect(Number(printed[2])).toBeCloseTo(base.tool_selection_accuracy, 3);
  });
});
