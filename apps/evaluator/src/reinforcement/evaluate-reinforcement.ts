import type { HeldOutEpisode, ModelEvaluation } from '@tuneforge/contracts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvaluateDeps, EvaluationRequest } from '../evaluation/evaluate';
import { reportHeader, type EvaluationReport, type ModelRole } from '../evaluation/evaluation-report';
import { loadModelFromStore } from '../inputs/load-model';
import { loadRetrieval } from '../inputs/load-retrieval';
import { heldOutEpisodes, heldOutMetrics } from './held-out-episodes';
import { readRollouts } from './read-rollouts';
import { readHeldOutTasks } from './read-task-set';

const ROLES: readonly ModelRole[] = ['base', 'tuned'];

/**
 * A reinforcement job's evaluation: the held-out tasks (the validation file's reinforcement lines) run as one greedy
 * episode each with the base and the fine-tuned model, on the serving path, with the tools of training rollouts, and
 * scored by the job's own grader: `reward_mean` and `pass_rate` per model, the numbers the job was trained to raise.
 * The report adds both models' episodes step by step, the run's recorded training rollouts, and (from the request's
 * curve) the reward per step.
 */
export async function evaluateReinforcement(request: EvaluationRequest, rl: NonNullable<EvaluationRequest['reinforcement']>, deps: EvaluateDeps): Promise<EvaluationReport> {
  const started = Date.now();
  const progress = deps.progress ?? (() => undefined);
  const set = await readHeldOutTasks(deps.store, request);
  progress('held-out tasks read', { source: set.source, tasks: set.tasks.length });
  const search = request.retrievalIndex !== undefined ? await loadRetrieval(deps.store, request.retrievalIndex) : undefined;
  const heldOut = {} as Record<ModelRole, HeldOutEpisode[]>;
  const work = await mkdtemp(join(tmpdir(), `evaluator-${request.taskId}-`));
  try {
    for (const role of ROLES) {
      const loaded = await loadModelFromStore(deps.store, role === 'base' ? request.baseModel : request.tunedModel, role, work, deps.serving);
      try {
        heldOut[role] = await heldOutEpisodes(loaded.served, set.tasks, {
          grader: rl.grader,
          graderContext: deps.graders ?? {},
          maxTurns: rl.maxTurns,
          maxNewTokens: rl.maxNewTokens,
          passThreshold: rl.passThreshold,
          ...(search ? { search } : {}),
        });
        progress('model evaluated', { role, prefix: loaded.prefix, ...heldOutMetrics(heldOut[role]) });
      } finally {
        await loaded.served.dispose();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const rollouts = rl.rollouts ? await readRollouts(deps.store, rl.rollouts) : { records: [], recordedSteps: 0, problems: [] };
  const evaluation = (role: ModelRole): ModelEvaluation => {
    const m = heldOutMetrics(heldOut[role]);
    return { metrics: { reward_mean: Number(m.reward_mean.toPrecision(6)), pass_rate: Number(m.pass_rate.toPrecision(6)) }, per_tool: {} };
  };
  const graderName = (rl.grader as { name?: unknown }).name;
  return {
    ...reportHeader(request),
    evaluationSet: { source: set.source, available: set.available, evaluated: set.tasks.length, skippedPreferencePairs: 0, withoutReference: 0 },
    settings: { ...request.settings, maxExamples: request.maxExamples, maxSequenceLength: request.maxSequenceLength },
    notComputed: rollouts.problems.slice(0, 5).map((reason) => ({ metric: 'training rollouts', reason })),
    summary: { examples: set.tasks.length, agent_episodes: set.tasks.length, base: evaluation('base'), tuned: evaluation('tuned') },
    examples: [],
    reinforcement: {
      grader: { type: rl.grader.type, ...(typeof graderName === 'string' ? { name: graderName } : {}) },
      passThreshold: rl.passThreshold,
      heldOut,
      rollouts: rollouts.records,
      recordedSteps: rollouts.recordedSteps,
    },
    worstExamples: [],
    trainingCurve: request.curve,
    durationMs: Date.now() - started,
  };
}
