import { readReinforcementLines, type ReinforcementLine } from '@tuneforge/datasets';
import type { ArtifactStore } from '@tuneforge/storage';
import { EvaluationInputError } from '../evaluation/evaluation-input-error';
import { openEvaluationSource } from '../inputs/read-evaluation-set';

/** A held-out reinforcement task and where it came from. */
export interface HeldOutTask extends ReinforcementLine {
  location: { file: string; line: number };
}

/** Errors quoted in a failure; the rest are counted. */
const QUOTED_ERRORS = 3;

/**
 * A reinforcement job's held-out tasks: the evaluation file (or the prepared `validation.jsonl`, the lines as the user
 * wrote them) read as OpenAI's reinforcement lines, the first `maxExamples`. A line that is not one fails the task
 * naming file, line and field, as for other evaluation sets.
 */
export async function readHeldOutTasks(store: ArtifactStore, request: { dataset: string; evaluationFile?: string; maxExamples: number }): Promise<{ tasks: HeldOutTask[]; source: string; available: number }> {
  const { body, source } = await openEvaluationSource(store, request);
  const tasks: HeldOutTask[] = [];
  const errors: string[] = [];
  for await (const event of readReinforcementLines(body, { file: source })) {
    if ('error' in event) errors.push(event.error.message);
    else tasks.push({ ...event.line, location: event.location });
  }
  if (errors.length > 0) {
    const more = errors.length > QUOTED_ERRORS ? ` (and ${errors.length - QUOTED_ERRORS} more)` : '';
    throw new EvaluationInputError(`the evaluation set ${source} has ${errors.length} line(s) that are not reinforcement lines${more}: ${errors.slice(0, QUOTED_ERRORS).join('; ')}`);
  }
  if (tasks.length === 0) throw new EvaluationInputError(`the evaluation set ${source} has no reinforcement line to evaluate`);
  return { tasks: tasks.slice(0, request.maxExamples), source, available: tasks.length };
}
