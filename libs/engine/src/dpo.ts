import { invalid } from './errors';
import type { Model, Trainer } from './model';

/**
 * Direct preference optimization on the native engine.
 *
 * The loss is TRL's sigmoid DPO loss with its optional SFT term on the chosen answer (RPO, alpha; TRL 1.16:
 * loss_type ["sigmoid", "sft"] weighted [1, alpha]):
 *
 *     z_p  = (log πθ(c_p) − log πref(c_p)) − (log πθ(r_p) − log πref(r_p))      (summed continuation log-probs)
 *     loss = mean_p −log σ(β z_p) + α · (Σ NLL of every chosen token of the step) / (chosen tokens of the step)
 *
 * Its gradient is a per-token weighted NLL gradient: d loss / d NLL_t = β σ(−β z_p) + α P / N_c for a chosen
 * token of pair p, −β σ(−β z_p) for a rejected one (P pairs, N_c chosen tokens in the step). So one DPO step is,
 * per micro-batch of pairs: a teacher-forced policy pass for the log-probs (`Model.tokenLogprobs`, LoRA adapter on,
 * no dropout), those weights, and `Trainer.accumulateWeighted` over the chosen and rejected rows with the
 * micro-batch's pair count as its units, so that the step divides by pairs, not tokens. The gradient is exact
 * (checked against PyTorch, tools/parity/make_dpo_golden.py); with LoRA dropout the weights come from the
 * dropout-free pass while the gradient pass drops, a small difference from TRL, which takes both from one
 * dropped-out pass. The cost is one extra forward pass per step (about a third more than SFT on the same tokens).
 *
 * The reference log-probs are computed once, before training, with the starting model (`pairLogprobs`): the
 * frozen base needs no copy and no memory beyond one number per output, in LoRA and full fine-tuning alike.
 */

/** One preference pair as token ids: the prompt and the two continuations (`tokenizePreference`'s output). */
export interface PreferenceIds {
  prompt: readonly number[];
  chosen: readonly number[];
  rejected: readonly number[];
}

/** Summed log-probabilities of a pair's two continuations. */
export interface PairLogprobs {
  chosen: number;
  rejected: number;
  /** Tokens of each continuation (for per-token means). */
  chosenTokens: number;
  rejectedTokens: number;
}

export interface DpoOptions {
  beta: number;
  /** RPO's alpha: weight of the mean NLL of the chosen tokens (0 or absent: plain DPO). */
  rpoAlpha?: number;
}

/**
 * TRL's DPO metrics for a set of pairs (rewards are β × the policy/reference log-ratio): `loss` (the DPO loss
 * plus the RPO term), `sigmoidLoss`, `rewardsChosen` / `rewardsRejected` (means), `rewardMargin` (mean chosen −
 * rejected reward), `rewardAccuracy` (share of pairs whose chosen reward is higher), `logpsChosen` /
 * `logpsRejected` (mean summed policy log-probs), and `preferenceAccuracy`: the share of pairs whose chosen
 * output has the higher log-probability outright, whatever the reference says.
 */
export interface DpoMetrics {
  pairs: number;
  loss: number;
  sigmoidLoss: number;
  rewardsChosen: number;
  rewardsRejected: number;
  rewardMargin: number;
  rewardAccuracy: number;
  logpsChosen: number;
  logpsRejected: number;
  preferenceAccuracy: number;
}

const logSigmoid = (x: number) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

function checkOptions(options: DpoOptions): Required<DpoOptions> {
  const { beta, rpoAlpha = 0 } = options;
  if (!(typeof beta === 'number' && Number.isFinite(beta) && beta > 0)) throw invalid('beta must be a number greater than 0');
  if (!(typeof rpoAlpha === 'number' && Number.isFinite(rpoAlpha) && rpoAlpha >= 0)) throw invalid('rpoAlpha must be a number >= 0');
  return { beta, rpoAlpha };
}

function checkPairs(pairs: readonly PreferenceIds[]): void {
  if (!Array.isArray(pairs) || pairs.length === 0) throw invalid('pairs must be a non-empty array');
  pairs.forEach((p, i) => {
    if (!p || !Array.isArray(p.prompt) || p.prompt.length === 0) throw invalid(`pairs[${i}].prompt must not be empty`);
    if (!Array.isArray(p.chosen) || p.chosen.length === 0) throw invalid(`pairs[${i}].chosen must not be empty`);
    if (!Array.isArray(p.rejected) || p.rejected.length === 0) throw invalid(`pairs[${i}].rejected must not be empty`);
  });
}

/** Sequences per native log-prob call: bounds the memory of one call whatever the number of pairs. */
const LOGPROB_CHUNK = 32;

/**
 * Each pair's summed continuation log-probs under the model as it is now (teacher-forced, no dropout; with a
 * LoRA trainer, adapter on). Before training this is the DPO reference.
 */
export async function pairLogprobs(model: Model, pairs: readonly PreferenceIds[]): Promise<PairLogprobs[]> {
  checkPairs(pairs);
  const items = pairs.flatMap((p) => [
    { prompt: p.prompt, continuation: p.chosen },
    { prompt: p.prompt, continuation: p.rejected },
  ]);
  const sums: number[] = [];
  for (let start = 0; start < items.length; start += LOGPROB_CHUNK) {
    const logprobs = await model.continuationLogprobs(items.slice(start, start + LOGPROB_CHUNK));
    for (const row of logprobs) sums.push(row.reduce((a, b) => a + b, 0));
  }
  return pairs.map((p, i) => ({ chosen: sums[2 * i], rejected: sums[2 * i + 1], chosenTokens: p.chosen.length, rejectedTokens: p.rejected.length }));
}

/** The DPO loss and TRL's metrics of `policy` against `reference` (one entry per pair, in the same order). */
export function dpoMetrics(policy: readonly PairLogprobs[], reference: readonly PairLogprobs[], options: DpoOptions): DpoMetrics {
  const { beta, rpoAlpha } = checkOptions(options);
  if (policy.length === 0 || policy.length !== reference.length) throw invalid('policy and reference must hold the same, non-zero number of pairs');
  const n = policy.length;
  let sigmoidLoss = 0;
  let chosenReward = 0;
  let rejectedReward = 0;
  let correct = 0;
  let preferred = 0;
  let logpsChosen = 0;
  let logpsRejected = 0;
  let chosenNll = 0;
  let chosenTokens = 0;
  policy.forEach((p, i) => {
    const c = beta * (p.chosen - reference[i].chosen);
    const r = beta * (p.rejected - reference[i].rejected);
    sigmoidLoss -= logSigmoid(c - r);
    chosenReward += c;
    rejectedReward += r;
    if (c > r) correct++;
    if (p.chosen > p.rejected) preferred++;
    logpsChosen += p.chosen;
    logpsRejected += p.rejected;
    chosenNll -= p.chosen;
    chosenTokens += p.chosenTokens;
  });
  sigmoidLoss /= n;
  const sft = rpoAlpha > 0 && chosenTokens > 0 ? (rpoAlpha * chosenNll) / chosenTokens : 0;
  return {
    pairs: n,
    loss: sigmoidLoss + sft,
    sigmoidLoss,
    rewardsChosen: chosenReward / n,
    rewardsRejected: rejectedReward / n,
    rewardMargin: (chosenReward - rejectedReward) / n,
    rewardAccuracy: correct / n,
    logpsChosen: logpsChosen / n,
    logpsRejected: logpsRejected / n,
    preferenceAccuracy: preferred / n,
  };
}

export interface DpoAccumulateOptions extends DpoOptions {
  /** Pairs per micro-batch (each is two rows: chosen and rejected). */
  microBatchPairs: number;
  /** Token that fills rows up to the micro-batch's longest (never a label). */
  padTokenId: number;
}

/**
 * Accumulates one optimizer step's DPO gradient over `pairs` (their reference log-probs in `reference`, same
 * order) in micro-batches of `microBatchPairs` pairs; call `trainer.step()` afterwards. Returns the step's loss
 * and metrics, measured by the policy passes (the parameters the step starts from).
 */
export async function dpoAccumulate(trainer: Trainer, pairs: readonly PreferenceIds[], reference: readonly PairLogprobs[], options: DpoAccumulateOptions): Promise<DpoMetrics> {
  checkPairs(pairs);
  const { beta, rpoAlpha } = checkOptions(options);
  if (reference.length !== pairs.length) throw invalid('reference must hold one entry per pair');
  const micro = options.microBatchPairs;
  if (!Number.isInteger(micro) || micro < 1) throw invalid('microBatchPairs must be a positive integer');
  const chosenTokens = pairs.reduce((sum, p) => sum + p.chosen.length, 0);
  const sftWeight = (rpoAlpha * pairs.length) / chosenTokens;
  const policy: PairLogprobs[] = [];
  for (let start = 0; start < pairs.length; start += micro) {
    const group = pairs.slice(start, start + micro);
    const measured = await pairLogprobs(trainer.model, group);
    policy.push(...measured);
    const width = Math.max(...group.map((p) => p.prompt.length + Math.max(p.chosen.length, p.rejected.length)));
    const inputIds: number[][] = [];
    const labels: number[][] = [];
    const positionIds: number[][] = [];
    const weights: number[][] = [];
    group.forEach((p, k) => {
      const ref = reference[start + k];
      const z = measured[k].chosen - ref.chosen - (measured[k].rejected - ref.rejected);
      const g = beta * sigmoid(-beta * z);
      for (const [continuation, weight] of [
        [p.chosen, g + sftWeight],
        [p.rejected, -g],
      ] as const) {
        const length = p.prompt.length + continuation.length;
        const pad = width - length;
        inputIds.push([...p.prompt, ...continuation, ...new Array<number>(pad).fill(options.padTokenId)]);
        labels.push([...new Array<number>(p.prompt.length).fill(-100), ...continuation, ...new Array<number>(pad).fill(-100)]);
        positionIds.push(Array.from({ length: width }, (_, t) => t));
        weights.push([...new Array<number>(p.prompt.length).fill(0), ...new Array<number>(continuation.length).fill(weight), ...new Array<number>(pad).fill(0)]);
      }
    });
    await trainer.accumulateWeighted({ inputIds, labels, positionIds, weights }, group.length);
  }
  return dpoMetrics(policy, reference, { beta, rpoAlpha });
}
