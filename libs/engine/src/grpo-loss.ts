import { invalid } from './errors';

/**
 * GRPO's arithmetic, apart from the engine: group-normalized advantages, the per-token clipped surrogate with its
 * KL penalty, and how token losses are aggregated. The formula is TRL 1.16's `GRPOTrainer._compute_loss`
 * (loss types `grpo`, `dapo`, `dr_grpo`; token-level importance sampling), written out for one token:
 *
 *     r_t  = exp(log πθ(t) − log πold(t))                       (the importance ratio)
 *     p_t  = −min(r_t · A, clip(r_t, 1 − ε_low, 1 + ε_high) · A) + β · k3_t
 *     k3_t = exp(log πref(t) − log πθ(t)) − (log πref(t) − log πθ(t)) − 1      (Schulman's k3 KL estimator)
 *
 * and its derivative with respect to log πθ(t), which is what makes GRPO a per-token weighted NLL gradient:
 *
 *     ∂p_t/∂log πθ(t) = −r_t · A · [not clipped] + β · (1 − exp(log πref(t) − log πθ(t)))
 *
 * "Clipped" is TRL's region: r_t < 1 − ε_low with A < 0, or r_t > 1 + ε_high with A > 0 (there the min picks the
 * constant clipped term, whose gradient is 0; everywhere else it picks r_t · A, or both are equal).
 */

/**
 * How the token losses of a step become one number (the setting `aggregation`):
 * - `token` (DAPO; TRL's default `dapo`): Σ over every loss token of the step / the step's loss tokens. Every
 *   generated token weighs the same, so a long answer neither dilutes nor concentrates its advantage. Default.
 * - `sequence` (the GRPO paper; TRL `grpo`): the mean over each sample's tokens, then the mean over samples. A
 *   token of a short sample weighs more than one of a long sample, which rewards short right answers and long
 *   wrong ones (the length bias the DAPO and Dr. GRPO papers describe).
 * - `dr_grpo` (Dr. GRPO; TRL `dr_grpo`): Σ over every loss token / (samples × `maxCompletionLength`), a constant,
 *   so no length changes a token's weight; the gradient scale then depends on that constant.
 */
export const GRPO_AGGREGATIONS = ['token', 'sequence', 'dr_grpo'] as const;
export type GrpoAggregation = (typeof GRPO_AGGREGATIONS)[number];

/** `group`: (r − group mean) / (group std + 1e-4), as GRPO; `batch`: the std of the whole batch; `none`: Dr. GRPO, r − group mean. */
export const REWARD_SCALINGS = ['group', 'batch', 'none'] as const;
export type RewardScaling = (typeof REWARD_SCALINGS)[number];

export interface GrpoOptions {
  /** KL coefficient against the reference (0: no KL term, no reference pass; TRL's default). */
  beta: number;
  /** Lower clipping bound: r below 1 − epsilonLow with a negative advantage carries no gradient (TRL `epsilon`, 0.2). */
  epsilonLow: number;
  /** Upper clipping bound: r above 1 + epsilonHigh with a positive advantage carries none (TRL `epsilon_high`; DAPO uses 0.28). */
  epsilonHigh: number;
  aggregation: GrpoAggregation;
  /** `dr_grpo` only: the constant tokens per sample it divides by. */
  maxCompletionLength?: number;
}

/** TRL adds this to the std before dividing. */
export const ADVANTAGE_EPS = 1e-4;

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function checkGrpoOptions(options: GrpoOptions): Required<GrpoOptions> {
  const { beta, epsilonLow, epsilonHigh, aggregation, maxCompletionLength = 0 } = options;
  if (!(finite(beta) && beta >= 0)) throw invalid('beta must be a number >= 0');
  if (!(finite(epsilonLow) && epsilonLow >= 0 && epsilonLow < 1)) throw invalid('epsilonLow must be a number in [0, 1)');
  if (!(finite(epsilonHigh) && epsilonHigh >= 0)) throw invalid('epsilonHigh must be a number >= 0');
  if (!GRPO_AGGREGATIONS.includes(aggregation)) throw invalid(`aggregation must be one of ${GRPO_AGGREGATIONS.join(', ')}`);
  if (aggregation === 'dr_grpo' && !(Number.isInteger(maxCompletionLength) && maxCompletionLength > 0))
    throw invalid('maxCompletionLength must be a positive integer with aggregation dr_grpo');
  return { beta, epsilonLow, epsilonHigh, aggregation, maxCompletionLength };
}

/** Mean and sample standard deviation (Bessel-corrected, as TRL's nanstd). */
function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, std: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

export interface Advantages {
  advantages: number[];
  /** Groups whose rewards are all equal: their advantages are 0, so they teach nothing (a signal the debugger reads). */
  zeroStdGroups: number;
}

/**
 * Advantages of `rewards` laid out group after group (`groupSize` consecutive samples share a prompt): each
 * reward minus its group's mean, divided by the group's (or the batch's) std + 1e-4 unless `scaling` is `none`.
 */
export function groupAdvantages(rewards: readonly number[], groupSize: number, scaling: RewardScaling = 'group'): Advantages {
  if (!Number.isInteger(groupSize) || groupSize < 1) throw invalid('groupSize must be a positive integer');
  if (!Array.isArray(rewards) || rewards.length === 0 || rewards.length % groupSize !== 0)
    throw invalid('rewards must hold a whole number of groups');
  rewards.forEach((r, i) => {
    if (!finite(r)) throw invalid(`rewards[${i}] must be a finite number`);
  });
  if (!REWARD_SCALINGS.includes(scaling)) throw invalid(`scaling must be one of ${REWARD_SCALINGS.join(', ')}`);
  const batchStd = meanStd(rewards).std;
  const advantages: number[] = [];
  let zeroStdGroups = 0;
  for (let start = 0; start < rewards.length; start += groupSize) {
    const group = rewards.slice(start, start + groupSize);
    const { mean, std } = meanStd(group);
    if (std === 0) zeroStdGroups++;
    const scale = scaling === 'none' ? 1 : (scaling === 'batch' ? batchStd : std) + ADVANTAGE_EPS;
    for (const r of group) advantages.push((r - mean) / scale);
  }
  return { advantages, zeroStdGroups };
}

/** One loss token: its loss p_t, ∂p_t/∂log πθ(t), its k3 KL and whether its ratio was clipped. */
export interface TokenTerm {
  loss: number;
  dLogprob: number;
  kl: number;
  lowClipped: boolean;
  highClipped: boolean;
}

/**
 * p_t and its derivative for one token. `old` undefined means the sample was generated by the parameters being
 * trained (one update per rollout batch): r_t is exactly 1, as TRL's per_token_logps.detach(). `reference`
 * undefined: β must be 0.
 */
export function tokenTerm(advantage: number, logprob: number, old: number | undefined, reference: number | undefined, o: Required<GrpoOptions>): TokenTerm {
  const ratio = old === undefined ? 1 : Math.exp(logprob - old);
  const lowClipped = ratio < 1 - o.epsilonLow && advantage < 0;
  const highClipped = ratio > 1 + o.epsilonHigh && advantage > 0;
  const clipped = Math.min(Math.max(ratio, 1 - o.epsilonLow), 1 + o.epsilonHigh);
  let loss = -Math.min(ratio * advantage, clipped * advantage);
  let dLogprob = lowClipped || highClipped ? 0 : -ratio * advantage;
  let kl = 0;
  if (reference !== undefined) {
    const d = reference - logprob;
    kl = Math.exp(d) - d - 1;
    if (o.beta > 0) {
      loss += o.beta * kl;
      dLogprob += o.beta * (1 - Math.exp(d));
    }
  } else if (o.beta > 0) {
    throw invalid('a reference log-prob is needed for every loss token when beta > 0');
  }
  return { loss, dLogprob, kl, lowClipped, highClipped };
}

/**
 * What each sample's tokens weigh in the step's loss, and what the step divides by: the aggregation as a
 * coefficient per sample (1 / its loss tokens for `sequence`, 1 otherwise) and a normaliser (samples, loss
 * tokens, or samples × maxCompletionLength). For a subset of the step's samples (a micro-batch) the normaliser
 * is that subset's share, so the shares add up to the step's.
 */
export function aggregationOf(lossTokens: readonly number[], o: Required<GrpoOptions>): { coefficients: number[]; normaliser: number } {
  switch (o.aggregation) {
    case 'sequence':
      // TRL clamps a sample's token count at 1: a sample with no loss tokens adds 0, not NaN.
      return { coefficients: lossTokens.map((n) => 1 / Math.max(n, 1)), normaliser: lossTokens.length };
    case 'token':
      return { coefficients: lossTokens.map(() => 1), normaliser: lossTokens.reduce((a, b) => a + b, 0) };
    case 'dr_grpo':
      return { coefficients: lossTokens.map(() => 1), normaliser: lossTokens.length * o.maxCompletionLength };
  }
}
