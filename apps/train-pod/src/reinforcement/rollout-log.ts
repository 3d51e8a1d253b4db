import { summarizeTurn } from '@tuneforge/agents';
import { lastUserText } from '@tuneforge/datasets';
import type { RolloutRecord } from '@tuneforge/contracts';
import { ArtifactExistsError, type ArtifactStore } from '@tuneforge/storage';
import type { ReinforcementStepResult, ReinforcementTask } from './reinforcement-step';

/** Steps recorded per run at most (evenly spaced, the first and last kept): a long run's log stays browsable. */
export const RECORDED_STEPS = 100;
/** Episodes recorded per step at most, whole groups first. */
export const RECORDED_EPISODES_PER_STEP = 32;
/** Model and tool texts are cut at this many characters in the log. */
const TEXT_CHARS = 2000;

/** Whether `step` is one of the (at most RECORDED_STEPS) steps whose rollouts are kept. */
export function recordsStep(step: number, totalSteps: number): boolean {
  const stride = Math.max(1, Math.ceil(totalSteps / RECORDED_STEPS));
  return step === 1 || step === totalSteps || step % stride === 0;
}

/**
 * A step's rollouts as the evaluation report shows them: each episode with its group (the prompt's place in the step's
 * batch), the grader's reward, its advantage, and its turns. `prompts` are the step's indices into the training tasks.
 */
export function rolloutRecords(step: number, prompts: readonly number[], tasks: readonly ReinforcementTask[], result: Pick<ReinforcementStepResult, 'rollouts'>): RolloutRecord[] {
  const { episodes, rewards, advantages } = result.rollouts;
  const records: RolloutRecord[] = [];
  let flat = 0;
  episodes.forEach((group, g) => {
    const task = lastUserText(tasks[g].messages).slice(0, 300);
    group.forEach((episode, chain) => {
      const advantage = advantages[flat++];
      if (records.length >= RECORDED_EPISODES_PER_STEP) return;
      const t = episode.trajectory;
      records.push({
        step,
        group: g,
        prompt: prompts[g],
        chain,
        task,
        reward: rewards[g][chain],
        advantage,
        end: t.end,
        ...(t.finalAnswer !== undefined ? { finalAnswer: t.finalAnswer.slice(0, TEXT_CHARS) } : {}),
        generatedTokens: episode.generatedTokens,
        truncated: episode.truncated,
        turns: t.turns.map((turn) => summarizeTurn(turn, TEXT_CHARS)),
      });
    });
  });
  return records;
}

/** The key of a step's rollout file under the run's rollouts prefix. */
export function rolloutFileKey(prefix: string, step: number): string {
  return `${prefix}/step-${String(step).padStart(8, '0')}.jsonl`;
}

/**
 * Writes a step's records as one JSONL object. The store is create-only: a pod resumed after a crash that repeats a
 * step keeps the first attempt's file (the report then shows the rollouts that attempt trained on, not the repeat's).
 */
export async function writeRollouts(store: ArtifactStore, prefix: string, step: number, records: readonly RolloutRecord[]): Promise<void> {
  if (records.length === 0) return;
  const body = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await store.put(rolloutFileKey(prefix, step), body, { contentType: 'application/x-ndjson' }).catch((error: unknown) => {
    if (!(error instanceof ArtifactExistsError)) throw error;
  });
}
