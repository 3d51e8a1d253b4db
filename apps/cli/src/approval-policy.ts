import type { JobSpec } from '@tuneforge/contracts';
import { UsageError } from './cli-error';

export type ApprovalPolicy = NonNullable<NonNullable<JobSpec['tuneforge']>['approval_policy']>;

const ANSWERS = ['ask', 'approve', 'reject'] as const;
type Answer = (typeof ANSWERS)[number];

/** Stage names as the API spells them, and as the config file does. */
const STAGES: Record<string, Exclude<keyof ApprovalPolicy, 'timeout_seconds'>> = {
  training_halfway: 'training_halfway',
  trainingHalfway: 'training_halfway',
  after_evaluation: 'after_evaluation',
  afterEvaluation: 'after_evaluation',
  apply_diagnosis: 'apply_diagnosis',
  applyDiagnosis: 'apply_diagnosis',
};

const isAnswer = (value: string): value is Answer => (ANSWERS as readonly string[]).includes(value);

/**
 * `--approval-policy ask|approve|reject` sets every stage; `training_halfway=ask,after_evaluation=approve`
 * sets the stages named (the others keep the config's answer).
 */
export function parseApprovalPolicy(text: string): ApprovalPolicy {
  const value = text.trim();
  if (isAnswer(value)) return { training_halfway: value, after_evaluation: value, apply_diagnosis: value };
  const policy: ApprovalPolicy = {};
  for (const part of value.split(',')) {
    const [stage, answer, extra] = part.split('=').map((s) => s.trim());
    const key = STAGES[stage ?? ''];
    if (!key || answer === undefined || extra !== undefined) {
      throw new UsageError(
        `--approval-policy: '${part}' is not understood; expected one of ${ANSWERS.join('|')} for every stage, or stage=answer pairs separated by commas with stages ${Object.keys(STAGES).filter((s) => s.includes('_')).join(', ')}`,
      );
    }
    if (!isAnswer(answer)) throw new UsageError(`--approval-policy: ${stage}=${answer}: the answer must be one of ${ANSWERS.join(', ')}`);
    policy[key] = answer;
  }
  return policy;
}
