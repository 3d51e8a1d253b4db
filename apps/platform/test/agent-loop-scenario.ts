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

/** Every way into one job that the other tenant might try: each answers 404, as if the job did not exist. */
async function expectHiddenFromOtherTenant(target: ScenarioTarget, jobId: string): Promise<void> {
  const other = clientOf(target, target.otherApiKey);
  await expect(other.fineTuning.jobs.retrieve(jobId)).rejects.toMatchObject({ status: 404 });
  await expect(other.fineTuning.jobs.listEvents(jobId)).rejects.toMatchObject({ status: 404 });
  for (const path of ['events?stream=true', 'approvals', 'iterations', 'report', 'report?format=json', 'report?iteration=1&format=json']) {
    const response = await api(target, `/fine_tuning/jobs/${jobId}/${path}`, {}, target.otherApiKey);
    expect({ path, status: response.status }).toEqual({ path, status: 404 });
    await response.body?.cancel();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Iteration {
  iteration: number;
  trained: { config: { training: { epochs: number }; data: { agentTokens: boolean }; synthesis: { enabled: boolean; samples: number } }; steps: number; model: string } | null;
  evaluation: { summary: { tuned: { metrics: Record<string, number> }; base: { metrics: Record<string, number> } }; report: string } | null;
  diagnosis: { findings: Array<{ code: string; title: string; patch: { description: string; config: Record<string, unknown> } }> } | null;
  conclusion: { decision: string; patch: { config: Record<string, unknown> } | null } | null;
}

/** A ReAct sample as reference 000 writes it: the prompt up to the step, the completion one Thought + Action (ending at the stop) or the Final Answer. */
interface ReactRow {
  prompt: string;
  completion: string;
}

/**
 * A ReAct tool-use dataset written as reference 000 prescribes (OpenAI prompt/completion JSONL: each tool step's
 * completion is `\nThought: … Yes.\nAction: <tool>\nAction Input: <args>\nObservation:`, ending at the agent's stop
 * sequence, and the observation opens the next step's prompt; answers are `\nThought: … No.\nFinal Answer: …`),
 * each sample offering the tools listed in its prompt. The held-out evaluation set holds other requests
 * (another seed: other cities, other expressions, other wordings), one step per row.
 */
export function writeLoopDatasets(): { training: string; evaluation: string; trainingRows: ReactRow[]; evaluationRows: ReactRow[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-loop-data-'));
  const rowsOf = (samples: ReturnType<typeof generateToolSamples>['samples']): ReactRow[] => samples.flatMap((s) => s.react.map(({ prompt, completion }) => ({ prompt, completion })));
  const toJsonl = (rows: ReactRow[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
  const trainingRows = rowsOf(generateToolSamples(LOOP_TOOLS, { seed: 1, count: 200, noToolShare: 0.1, minToolsPerSample: 2, maxToolsPerSample: 2 }).samples);
  const evaluationRows = rowsOf(generateToolSamples(LOOP_TOOLS, { seed: 99, count: 24, noToolShare: 0, minToolsPerSample: 2, maxToolsPerSample: 2 }).samples);
  writeFileSync(join(dir, 'react-train.jsonl'), toJsonl(trainingRows));
  writeFileSync(join(dir, 'react-eval.jsonl'), toJsonl(evaluationRows));
  return { training: join(dir, 'react-train.jsonl'), evaluation: join(dir, 'react-eval.jsonl'), trainingRows, evaluationRows };
}

/** Reference 000's rules, checked on the data the scenario uploads, so the job is a ReAct job and not something close to one. */
function expectReactRows(rows: ReactRow[]): void {
  const tool = /^\nThought: [^\n]+\nAction: (get_weather|calculator)\nAction Input: [^\n]+\nObservation:$/;
  const answer = /^\nThought: [^\n]+\nFinal Answer: [^\n]+$/;
  for (const row of rows) {
    expect(row.prompt).toMatch(/\nNew Input: /);
    expect(tool.test(row.completion) || answer.test(row.completion)).toBe(true);
  }
  expect(rows.some((row) => tool.test(row.completion))).toBe(true);
  expect(rows.some((row) => answer.test(row.completion))).toBe(true);
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
  const other = clientOf(target, target.otherApiKey);
  const files = writeLoopDatasets();
  expectReactRows(files.trainingRows);
  expectReactRows(files.evaluationRows);
  const training = await client.files.create({ file: createReadStream(files.training), purpose: 'fine-tune' });
  const evaluation = await client.files.create({ file: createReadStream(files.evaluation), purpose: 'fine-tune' });
  const created = await client.fineTuning.jobs.create({
    model: 'tiny-llama',
    training_file: training.id,
    hyperparameters: { n_epochs: 1, batch_size: 8 },
    seed: 7,
    ...({
      tuneforge: {
        tools: LOOP_TOOLS,
        evaluation_file: evaluation.id,
        evaluation: { enabled: true, max_examples: 40 },
        iteration_budget: 5,
        approval_policy: {
          training_halfway: 'approve',
          after_evaluation: { approve_if: { tool_selection_accuracy: { at_least: ACCEPTABLE_TOOL_SELECTION } }, otherwise: 'reject' },
          apply_diagnosis: 'ask',
        },
        // Full fine-tuning of the tiny random model, one ReAct step per row (no packing): one epoch of the
        // ~390 training steps is 49 optimizer steps, far short of the ~150 it needs to pick tools (measured
        // offline with the pod's tokenization and engine settings at this learning rate: 0.09 at 50 steps,
        // 0.38 at 100, 0.88 at 150). 3e-3 rather than 1e-2: at 1e-2 the loss bounces enough for the debugger
        // to call the learning rate too high, a different story from the one this job is set up to tell.
        config: {
          training: { method: 'full', schedule: 'constant', warmupRatio: 0, learningRate: 0.003, microBatchSize: 8, checkpointEverySteps: 1000 },
          data: { format: 'prompt-completion', packing: false, maxSequenceLength: 512, validationSplit: 0.05 },
          evaluation: { metrics: ['exact_match', 'token_f1'], maxNewTokens: 48, agentTurnLimit: 3 },
        },
      },
    } as object),
  });

  // The other tenant sees none of it, and can steer none of it.
  await expectHiddenFromOtherTenant(target, created.id);
  await expect(other.fineTuning.jobs.pause(created.id)).rejects.toMatchObject({ status: 404 });
  await expect(other.fineTuning.jobs.resume(created.id)).rejects.toMatchObject({ status: 404 });

  // Follow the job; answer the "apply these changes?" question as the human in the loop, through the API.
  const applied: Approval[] = [];
  let job: FineTuningJob = created;
  const deadline = Date.now() + 1_500_000;
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
    if (Date.now() > deadline) throw new Error(`job ${created.id} did not end in time (status ${job.status})`);
    for (const approval of await approvalsOf(target, created.id)) {
      if (approval.status !== 'pending' || approval.stage !== 'apply_diagnosis' || applied.some((a) => a.id === approval.id)) continue;
      const intruder = await api(target, `/fine_tuning/jobs/${created.id}/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision: 'reject' }) }, target.otherApiKey);
      expect(intruder.status).toBe(404);
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
  process.stdout.write(
    `iterations: ${iterations.map((it) => `#${it.iteration} ${it.trained?.steps} steps → tool selection ${it.evaluation?.summary.tuned.metrics.tool_selection_accuracy?.toFixed(3)}${it.diagnosis ? `, top finding ${it.diagnosis.findings[0]?.code}` : ''}`).join('; ')}\n`,
  );
  // What the debugger makes of a run cut short: the loss was still falling fast when it stopped and the
  // tuned model rarely picks the right tool — underfitting, the cause, ranked above its symptom (weak_tool):
  // train twice as many epochs.
  const top = first.diagnosis!.findings[0];
  expect(top.code).toBe('underfitting');
  expect(top.title).toMatch(/still falling/);
  expect(first.diagnosis!.findings.map((finding) => finding.code)).toContain('weak_tool');
  expect(first.conclusion).toMatchObject({ decision: 'patched', patch: top.patch });
  expect(second.trained!.config.training.epochs).toBe(first.trained!.config.training.epochs * 2);
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
  // The job's model goes by its ft: name, registered for its tenant (the orchestrator's unit tests check it is
  // the last iteration's merged model); its result file is the step metrics CSV.
  expect(job.fine_tuned_model).toMatch(/^ft:tiny-llama:/);
  expect((await clientOf(target).models.retrieve(job.fine_tuned_model!)).id).toBe(job.fine_tuned_model);
  expect(job.result_files).toEqual([expect.stringMatching(/^file-/)]);
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
  const page = await html.text();
  expect(page).toContain('tool_selection_accuracy');
  // The page charts the iteration's training curve (recorded by the orchestrator from the run's progress).
  expect(page).toContain('<h2>Training curve</h2>');
  const firstReport = await api(target, `/fine_tuning/jobs/${created.id}/report?iteration=1&format=json`);
  expect(((await firstReport.json()) as { iteration: number }).iteration).toBe(1);
  // The agent loop ran in ReAct (the evaluator reads the format from the data), not in tool-call syntax.
  const full = (await (await api(target, `/fine_tuning/jobs/${created.id}/report?format=json`)).json()) as { agent?: { format: string } };
  expect(full.agent?.format).toBe('react');

  // Still the other tenant's view after the end: not its job, nothing to read.
  await expectHiddenFromOtherTenant(target, created.id);

  // The events tell the story a user follows.
  const messages = (await eventsAfterTheEnd(target, created.id)).map((event) => event.message);
  expect(messages.some((m) => m.startsWith('Diagnosis of iteration 1:'))).toBe(true);
  expect(messages.some((m) => m.startsWith('Applying "'))).toBe(true);
  expect(messages.some((m) => /The model of iteration \d+ was accepted by the approval policy/.test(m))).toBe(true);
  return { base, tuned, iterations };
}
