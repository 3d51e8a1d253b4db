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

/** README's main command, as a user runs it: the job ends succeeded, says where the model is, and calls it. */
describe('npm run quickstart', () => {
  it('fine-tunes SmolLM2-135M-Instruct with LoRA on a small ReAct tool-use dataset end to end in embedded mode', async () => {
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
    // The real default model, installed by `npm run setup` into the cache, is what is registered.
    const modelDir = /^registering (\S+) as base model SmolLM2-135M-Instruct$/m.exec(output)?.[1];
    expect(modelDir).toBeDefined();
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) expect(existsSync(join(modelDir!, file))).toBe(true);
    expect(output).toMatch(/uploaded react-tools\.jsonl: file-\S+/);
    expect(output).toMatch(/uploaded react-tools-eval\.jsonl: file-\S+/);
    expect(output).toMatch(/Data prepared: \d+ training/);
    expect(output).toMatch(/Continuing was approved by the approval policy/);
    expect(output).toMatch(/Evaluation \(iteration 1\): tool_selection_accuracy [\d.]+ \(base [\d.]+\)/);
    expect(output).toMatch(/The model of iteration 1 was accepted by the approval policy/);
    expect(output).toMatch(/job ftjob-\S+ succeeded/);
    const tuned = /^fine-tuned model: (ft:SmolLM2-135M-Instruct:\S+:[a-z0-9]{8})$/m.exec(output)?.[1];
    expect(tuned).toBeDefined();
    // The CLI's progress lines (not a terminal here): step n/N, loss.
    const losses = [...output.matchAll(/^step \d+\/\d+\s+loss ([\d.]+)/gm)].map((match) => Number(match[1]));
    expect(losses.length).toBeGreaterThan(4);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);

    // The evaluation report it points to ran both models as ReAct agents (the data is written in ReAct).
    const reports = evaluationReportsUnder(artifactDir);
    expect(reports).toHaveLength(1);
    const report = JSON.parse(readFileSync(reports[0], 'utf8')) as { agent?: { format: string }; summary: Record<'base' | 'tuned', { metrics: Record<string, number> }> };
    expect(report.agent?.format).toBe('react');
    // Two dozen samples are enough for SmolLM2 to write valid ReAct steps and pick a tool on held-out requests.
    const tunedMetrics = report.summary.tuned.metrics;
    const base = report.summary.base.metrics;
    expect(tunedMetrics.format_validity).toBeGreaterThan(base.format_validity);
    expect(tunedMetrics.tool_selection_accuracy).toBeGreaterThan(base.tool_selection_accuracy);
    // What the quick start printed is what the report holds.
    const printed = /Evaluation \(iteration 1\): tool_selection_accuracy ([\d.]+) \(base ([\d.]+)\)/.exec(output)!;
    expect(Number(printed[1])).toBeCloseTo(tunedMetrics.tool_selection_accuracy, 3);
    expect(Number(printed[2])).toBeCloseTo(base.tool_selection_accuracy, 3);

    // It ends by calling the tuned model by its ft: name through the gateway's inference endpoints (the official SDK;
    // an API error would have failed the run): a chat completion offered the quick start's tools, answered with a
    // tool call or text, and a text completion of a held-out ReAct prompt stopped at "\nObservation:".
    expect(output).toContain(`calling ${tuned} through the gateway (held-out request: "What is the weather like in Madrid?")`);
    expect(output).toMatch(/^ {2}chat\.completions with tools \[get_weather, calculator\]: finish_reason (tool_calls, tool call (get_weather|calculator)\(\{.*\}\)|(stop|length), text ".*")$/m);
    const react = /^ {2}completions on the held-out ReAct prompt, stop "\\nObservation:": finish_reason (stop|length), text:\n((?: {4}\| .*(?:\n|$))+)/m.exec(output);
    expect(react).not.toBeNull();
    // The model was tuned to answer a request with a ReAct step, and that is what the endpoint returns.
    expect(react![2]).toMatch(/^ {4}\| Thought: /m);
    expect(react![2]).not.toContain('Observation:');
    // A real 135M-parameter model: about 3-4 minutes on 2 cores (training and evaluating both models).
  }, 600_000);
});
