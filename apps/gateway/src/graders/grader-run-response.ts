import type { Grader } from '@tuneforge/contracts';
import type { GraderResult } from '@tuneforge/graders';

/** OpenAI's `POST /fine_tuning/alpha/graders/run` answer (the SDK's GraderRunResponse). */
export interface GraderRunResponse {
  reward: number;
  metadata: {
    name: string;
    type: string;
    errors: GraderRunErrors;
    execution_time: number;
    scores: Record<string, number>;
    token_usage: number | null;
    sampled_model_name: string | null;
  };
  sub_rewards: Record<string, number>;
  model_grader_token_usage_per_model: Record<string, unknown>;
}

export interface GraderRunErrors {
  formula_parse_error: boolean;
  invalid_variable_error: boolean;
  model_grader_parse_error: boolean;
  model_grader_refusal_error: boolean;
  model_grader_server_error: boolean;
  model_grader_server_error_details: string | null;
  other_error: boolean;
  python_grader_runtime_error: boolean;
  python_grader_runtime_error_details: string | null;
  python_grader_server_error: boolean;
  python_grader_server_error_type: string | null;
  sample_parse_error: boolean;
  truncated_observation_error: boolean;
  unresponsive_reward_error: boolean;
}

const NO_ERRORS: GraderRunErrors = {
  formula_parse_error: false,
  invalid_variable_error: false,
  model_grader_parse_error: false,
  model_grader_refusal_error: false,
  model_grader_server_error: false,
  model_grader_server_error_details: null,
  other_error: false,
  python_grader_runtime_error: false,
  python_grader_runtime_error_details: null,
  python_grader_server_error: false,
  python_grader_server_error_type: null,
  sample_parse_error: false,
  truncated_observation_error: false,
  unresponsive_reward_error: false,
};

/**
 * OpenAI's error flags for a failed sample. Tuneforge's graders report one message; the flag is chosen by what failed:
 * a template variable the item or sample lacks, a python grader (details carried), a model grader's reply (refused or
 * unreadable), a python grader stopped at its limit (unresponsive), anything else.
 */
function errorsOf(grader: Grader, error: string | undefined): GraderRunErrors {
  if (!error) return NO_ERRORS;
  if (/template variable .* is not there/.test(error) && grader.type !== 'multi') return { ...NO_ERRORS, invalid_variable_error: true };
  if (grader.type === 'python') {
    if (/time limit/.test(error)) return { ...NO_ERRORS, unresponsive_reward_error: true, python_grader_runtime_error_details: error };
    return { ...NO_ERRORS, python_grader_runtime_error: true, python_grader_runtime_error_details: error };
  }
  if (grader.type === 'score_model' || grader.type === 'label_model' || grader.type === 'logit') {
    return /refused/.test(error) ? { ...NO_ERRORS, model_grader_refusal_error: true } : { ...NO_ERRORS, model_grader_parse_error: true };
  }
  return { ...NO_ERRORS, other_error: true };
}

export function graderRunResponse(grader: Grader, result: GraderResult, executionSeconds: number): GraderRunResponse {
  const subRewards = result.subScores ?? {};
  return {
    reward: result.score,
    metadata: {
      name: grader.name,
      type: grader.type,
      errors: errorsOf(grader, result.error),
      execution_time: executionSeconds,
      scores: { ...subRewards, [grader.name]: result.score },
      token_usage: null,
      sampled_model_name: grader.type === 'score_model' || grader.type === 'label_model' || grader.type === 'logit' ? grader.model : null,
    },
    sub_rewards: subRewards,
    model_grader_token_usage_per_model: {},
  };
}
