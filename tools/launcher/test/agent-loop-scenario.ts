import { generateToolSamples } from '@tuneforge/datasets';
import { mkdtempSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { api, approvalsOf, clientOf, eventsAfterTheEnd, type Approval, type ScenarioTarget } from './fine-tuning-scenario';

/** The job's tools: which one a request needs is plain from its words, once a model has learned it. */
export const LOOP_TOOLS = [
  { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function' as const, function: { name: 'calculator', description: 'Evaluates an arithmetic expression', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } },
];

/** What the job asks for: "good enough" is a tool-selection accuracy the policy can check by itself. */
export const ACCEPTABLE_TOOL_SELECTION = 0.5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Iteration {
  iteration: number;
  trained: { config: { training: { epochs: number } }; steps: number; model: string } | null;
  evaluation: { summary: { tuned: { metrics: Record<string, number> }; base: { metrics: Record<string, number> } }; report: string } | null;
  diagnosis: { findings: Array<{ code: string; patch: { description: string; config: Record<string, unknown> } }> } | null;
  conclusion: { decision: string; patch: { config: Record<string, unknown> } | null } | null;
}

/**
 * A tool-use dataset written as a user would upload it (OpenAI chat JSONL with tool calls), and a held-out
 * evaluation set of other requests (another seed: other cities, other expressions, other wordings).
 */
export function writeLoopDatasets(): { training: string; evaluation: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-loop-data-'));
  const toJsonl = (samples: ReturnType<typeof generateToolSamples>['samples']) => samples.map((s) => JSON.stringify(s.conversation)).join('\n') + '\n';
  const training = generateToolSamples(LOOP_TOOLS, { seed: 1, count: 200, noToolShare: 0.1, minToolsPerSample: 2, maxToolsPerSample: 2 });
  const heldOut = generateToolSamples(LOOP_TOOLS, { seed: 99, count: 16, noToolShare: 0, minToolsPerSample: 2, maxToolsPerSample: 2 });
  writeFileSync(join(dir, 'tools-train.jsonl'), toJsonl(training.samples));
  writeFileSync(join(dir, 'tools-eval.jsonl'), toJsonl(heldOut.samples));
  return { training: join(dir, 'tools-train.jsonl'), evaluation: join(dir, 'tools-eval.jsonl') };
}

/**
 * Issue #6's acceptance, the same in every deployment: a tool-use job whose first iteration is set up to be
 * weak (too few steps for the tiny model to learn which tool a request needs) is evaluated, judged not
 * good enough by its threshold policy, diagnosed; a human approves the suggested patch through the API; the
 * second iteration trains with it, and on the held-out requests the final model picks the right tool far
 * more often than the base model. Returns both numbers (also in the report).
 */
export async function runAgentLoopScenario(target: ScenarioTarget): Promise<{ base: number; tuned: number; iterations: Iteration[] }> {
  const client = clientOf(target);
  const files = writeLoopDatasets();
  const training = await client.files.create({ file: createReadStream(files.training), purpose: 'fine-tune' });
  const evaluation = await client.files.create({ file: createReadStream(files.evaluation), purpose: 'fine-tune' });
  const created = await client.fineTuning.jobs.create({
    model: 'tiny-llama',
    training_file: training.id,
    hyperparameters: { n_epochs: 4, batch_size: 8 },
    seed: 7,
    ...({
      tuneforge: {
        tools: LOOP_TOOLS,
        evaluation_file: evaluation.id,
        evaluation: { enabled: true, max_examples: 16 },
        iteration_budget: 4,
        approval_policy: {
          training_halfway: 'approve',
          after_evaluation: { approve_if: { tool_selection_accuracy: { at_least: ACCEPTABLE_TOOL_SELECTION } }, otherwise: 'reject' },
          apply_diagnosis: 'ask',
        },
        // Full fine-tuning of the tiny random model, one request per row (no packing): four epochs are
        // about 100 optimizer steps, short of what it needs to learn the tools.
        config: {
          training: { method: 'full', schedule: 'constant', warmupRatio: 0, learningRate: 0.01, microBatchSize: 8, checkpointEverySteps: 1000 },
          data: { packing: false, maxSequenceLength: 512, validationSplit: 0.05 },
          evaluation: { metrics: ['exact_match', 'token_f1'], maxNewTokens: 48, agentTurnLimit: 3 },
        },
      },
    } as object),
  });

  // Follow the job; answer the "apply these changes?" question as the human in the loop, through the API.
  const applied: Approval[] = [];
  let job: FineTuningJob = created;
  const deadline = Date.now() + 1_500_000;
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
    if (Date.now() > deadline) throw new Error(`job ${created.id} did not end in time (status ${job.status})`);
    for (const approval of await approvalsOf(target, created.id)) {
      if (approval.status !== 'pending' || approval.stage !== 'apply_diagnosis' || applied.some((a) => a.id === approval.id)) continue;
      const answer = await api(target, `/fine_tuning/jobs/${created.id}/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision: 'approve', comment: 'apply the suggested patch' }) });
      expect(answer.status).toBe(200);
      applied.push(approval);
    }
    await sleep(1000);
    job = await client.fineTuning.jobs.retrieve(created.id);
  }
  if (job.status !== 'succeeded') throw new Error(`expected the job to succeed: ${JSON.stringify(job)}`);

  const listed = await api(target, `/fine_tuning/jobs/${created.id}/iterations`);
  expect(listed.status).toBe(200);
  const iterations = ((await listed.json()) as { data: Iteration[] }).data;
  const [first, second] = iterations;
  expect(iterations.length).toBeGreaterThanOrEqual(2);

  // Iteration 1: evaluated, not good enough, diagnosed; its patch was approved by a human and applied.
  const firstTuned = first.evaluation!.summary.tuned.metrics.tool_selection_accuracy;
  expect(firstTuned).toBeLessThan(ACCEPTABLE_TOOL_SELECTION);
  expect(first.diagnosis!.findings.length).toBeGreaterThan(0);
  expect(first.conclusion).toMatchObject({ decision: 'patched', patch: first.diagnosis!.findings[0].patch });
  expect(applied).toHaveLength(iterations.length - 1);
  const firstApproval = (await approvalsOf(target, created.id)).find((a) => a.id === applied[0].id)!;
  expect(firstApproval).toMatchObject({ status: 'answered', decision: 'approve', answered_by: 'human' });

  // The second iteration trained with the patched config (more training, or more data).
  expect(second.trained!.steps).toBeGreaterThan(first.trained!.steps);

  // The final model: accepted by the threshold policy, far above the base model on held-out requests.
  const last = iterations.at(-1)!;
  expect(last.conclusion).toMatchObject({ decision: 'accepted' });
  const base = last.evaluation!.summary.base.metrics.tool_selection_accuracy;
  const tuned = last.evaluation!.summary.tuned.metrics.tool_selection_accuracy;
  expect(job.fine_tuned_model).toBe(last.trained!.model);
  expect(tuned).toBeGreaterThanOrEqual(ACCEPTABLE_TOOL_SELECTION);
  expect(tuned - base).toBeGreaterThanOrEqual(0.4);

  // Both numbers are in the report the gateway serves, as JSON and as the HTML page.
  const report = await api(target, `/fine_tuning/jobs/${created.id}/report?format=json`);
  expect(report.status).toBe(200);
  const body = (await report.json()) as { iteration: number; summary: { base: { metrics: Record<string, number> }; tuned: { metrics: Record<string, number> } } };
  expect(body.iteration).toBe(last.iteration);
  expect(body.summary.tuned.metrics.tool_selection_accuracy).toBe(tuned);
  expect(body.summary.base.metrics.tool_selection_accuracy).toBe(base);
  const html = await api(target, `/fine_tuning/jobs/${created.id}/report`);
  expect(html.status).toBe(200);
  expect(html.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await html.text()).toContain('tool_selection_accuracy');
  const firstReport = await api(target, `/fine_tuning/jobs/${created.id}/report?iteration=1&format=json`);
  expect(((await firstReport.json()) as { iteration: number }).iteration).toBe(1);

  // The events tell the story a user follows.
  const messages = (await eventsAfterTheEnd(target, created.id)).map((event) => event.message);
  expect(messages.some((m) => m.startsWith('Diagnosis of iteration 1:'))).toBe(true);
  expect(messages.some((m) => m.startsWith('Applying "'))).toBe(true);
  expect(messages.some((m) => /The model of iteration \d+ was accepted by the approval policy/.test(m))).toBe(true);
  return { base, tuned, iterations };
}
