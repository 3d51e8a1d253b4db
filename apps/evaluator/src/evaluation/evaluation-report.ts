import type { CurvePoint, EvaluationMetricName, EvaluationSummary, HeldOutEpisode, JobConfig, RolloutRecord } from '@tuneforge/contracts';
import type { ConfusionMatrix } from '../agent/agent-metrics';
import type { EpisodeRecord } from '../agent/run-episodes';
import type { PreferenceReport } from '../text/preference-metrics';

export type ModelRole = 'base' | 'tuned';
export type PerExampleMetrics = Partial<Record<EvaluationMetricName, number>>;

/** One model's answer to one example. */
export interface ExampleOutput {
  /** The reference as this model's template renders the turn (special tokens removed). */
  reference: string;
  output: string;
  finishReason: 'stop' | 'length';
  tokens: number;
  metrics: PerExampleMetrics;
  /** Mean loss (nats/token) on the reference assistant tokens, when computed. */
  loss?: number;
}

export interface ExampleReport {
  index: number;
  /** Where the example is in the evaluation file. */
  source: { file: string; line: number };
  /** The last user request of the prompt (short), to recognise the example. */
  prompt: string;
  base?: ExampleOutput;
  tuned?: ExampleOutput;
}

export interface AgentModelReport {
  confusion: ConfusionMatrix;
  expectations: { passed: number; total: number };
  episodes: EpisodeRecord[];
}

export interface WorstExample {
  index: number;
  metric: EvaluationMetricName | 'loss';
  base?: number;
  tuned: number;
  prompt: string;
  reference: string;
  output: string;
}

/** Everything an evaluation found: `report.json`, rendered as `report.html`. */
export interface EvaluationReport {
  kind: 'evaluation-report';
  version: 1;
  jobId: string;
  taskId: string;
  iteration: number;
  models: Record<ModelRole, string>;
  /** `available`/`evaluated`: conversations and prompt/completion samples; `preferencePairs`: pairs scored. */
  evaluationSet: { source: string; available: number; evaluated: number; skippedPreferencePairs: number; withoutReference: number; preferencePairs?: number };
  settings: JobConfig['evaluation'] & { maxExamples: number; maxSequenceLength: number };
  /** Metrics asked for that could not be computed, and why (e.g. no embeddings endpoint configured). */
  notComputed: Array<{ metric: string; reason: string }>;
  summary: EvaluationSummary;
  examples: ExampleReport[];
  agent?: { format: string; episodes: number; base: AgentModelReport; tuned: AgentModelReport };
  /** Preference pairs in the set (a DPO job's held-out pairs): both models' metrics and each pair's log-probs. */
  preference?: PreferenceReport;
  /** A reinforcement job: its grader's scores of both models' held-out episodes, and the run's training rollouts. */
  reinforcement?: ReinforcementReport;
  worstExamples: WorstExample[];
  /** The fine-tuned model's training curve, as the request carried it (empty when it carried none). */
  trainingCurve: CurvePoint[];
  durationMs: number;
}

export interface ReinforcementReport {
  grader: { type: string; name?: string };
  passThreshold: number;
  /** One greedy episode per held-out task with each model, graded (the summary's reward_mean and pass_rate). */
  heldOut: Record<ModelRole, HeldOutEpisode[]>;
  /** Training rollouts of up to 12 recorded steps (evenly spaced), each an episode with its reward and advantage. */
  rollouts: RolloutRecord[];
  /** Steps whose rollouts the run recorded (the report shows some of them). */
  recordedSteps: number;
}

/** The fields every report opens with: what it is, and which job, task, iteration and models it is about. */
export function reportHeader(request: { jobId: string; taskId: string; iteration: number; baseModel: string; tunedModel: string }): Pick<EvaluationReport, 'kind' | 'version' | 'jobId' | 'taskId' | 'iteration' | 'models'> {
  return { kind: 'evaluation-report', version: 1, jobId: request.jobId, taskId: request.taskId, iteration: request.iteration, models: { base: request.baseModel, tuned: request.tunedModel } };
}
