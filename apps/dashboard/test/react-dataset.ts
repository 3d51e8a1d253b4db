import { generateToolSamples } from '@tuneforge/datasets';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Two tools whose choice is plain from a request's words, as the platform's agent-loop scenario uses them. */
export const TOOLS = [
  { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function' as const, function: { name: 'calculator', description: 'Evaluates an arithmetic expression', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } },
];

/**
 * A small ReAct tool-use dataset (prompt/completion JSONL, one step per row, as reference 000 writes them) and a
 * held-out evaluation set with other requests: enough for a job on the tiny model to train a few dozen steps and be
 * evaluated as an agent, in a test's time.
 */
export function writeReactDatasets(): { training: string; evaluation: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-dashboard-data-'));
  const rows = (seed: number, count: number) =>
    generateToolSamples(TOOLS, { seed, count, noToolShare: 0.1, minToolsPerSample: 2, maxToolsPerSample: 2 })
      .samples.flatMap((sample) => sample.react.map(({ prompt, completion }) => JSON.stringify({ prompt, completion })))
      .join('\n') + '\n';
  writeFileSync(join(dir, 'react-train.jsonl'), rows(1, 48));
  writeFileSync(join(dir, 'react-eval.jsonl'), rows(99, 5));
  return { training: join(dir, 'react-train.jsonl'), evaluation: join(dir, 'react-eval.jsonl') };
}

/** The job's Tuneforge options as a user types them into the form: tools, one iteration, a short full fine-tune. */
export const JOB_OPTIONS = {
  tools: TOOLS,
  iteration_budget: 1,
  evaluation: { max_examples: 10 },
  config: {
    training: { method: 'full', schedule: 'constant', warmupRatio: 0, learningRate: 0.003, microBatchSize: 8, checkpointEverySteps: 6 },
    data: { format: 'prompt-completion', packing: false, maxSequenceLength: 512, validationSplit: 0.1 },
    evaluation: { metrics: ['exact_match', 'token_f1'], maxNewTokens: 48, agentTurnLimit: 3 },
  },
};
