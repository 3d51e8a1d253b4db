import { invalid } from './errors';
import { aggregationOf, checkGrpoOptions, tokenTerm, type GrpoOptions } from './grpo-loss';
import type { Model, Trainer } from './model';

/**
 * Group Relative Policy Optimization on the native engine (grpo-loss.ts has the formula).
 *
 * A sample is one rollout: one or more segments, each a token sequence the model read and wrote, with a mask
 * that is 1 on the tokens the model generated (those carry loss) and 0 on the prompt, on tool outputs and on
 * everything else the environment wrote (AgentFly's action mask). A multi-turn episode is one sample of several
 * segments (each turn's prompt with its generation) or of one segment, when the turns are contiguous.
 *
 * The gradient of the clipped surrogate + β·KL with respect to log πθ of each loss token is a number per token
 * (grpo-loss.ts), so a GRPO step is, per micro-batch: a policy log-prob pass when the weights need log πθ (a KL
 * term, or samples from older parameters), those numbers as weights, and `Trainer.accumulateWeighted` with the
 * aggregation's normaliser as units. With β = 0 and samples from the parameters being trained (TRL's defaults:
 * one update per rollout batch), r = 1 and the weights are the advantages alone: no policy pass, and the log-probs
 * for the metrics come from the gradient pass itself. Checked against PyTorch (tools/parity/make_grpo_golden.py).
 *
 * The reference: the starting model. With LoRA it is the base with the adapter left out (`Model.baseTokenLogprobs`,
 * no copy of the weights); in full fine-tuning it is a second Model loaded from the starting weights (the caller's,
 * only when β > 0).
 */

export interface GrpoSegment {
  tokens: readonly number[];
  /** One per token: 1 where the model generated the token (it carries loss), 0 elsewhere; index 0 is never trained. */
  mask: readonly number[];
}

export interface GrpoSample {
  segments: readonly GrpoSegment[];
  advantage: number;
}

/** Per sample, per segment, per token: log p(token t | tokens before t) (index 0 is 0). */
export type SampleLogprobs = number[][][];

export interface GrpoMetrics {
  samples: number;
  /** The step's GRPO loss (surrogate + β·KL, aggregated). */
  loss: number;
  /** Loss tokens (model-generated tokens) of the step. */
  lossTokens: number;
  /** Mean k3 KL to the reference over the loss tokens (0 without reference log-probs). */
  kl: number;
  /** Shares of loss tokens whose ratio was clipped: below 1 − ε with A < 0, above 1 + ε with A > 0, either. */
  clipLow: number;
  clipHigh: number;
  clipRatio: number;
  /** Mean of the samples' summed log-probs of their loss tokens, under the policy measured. */
  meanLogprob: number;
}

export function checkSamples(samples: readonly GrpoSample[]): void {
  if (!Array.isArray(samples) || samples.length === 0) throw invalid('samples must be a non-empty array');
  samples.forEach((s, i) => {
    if (!s || !Array.isArray(s.segments) || s.segments.length === 0) throw invalid(`samples[${i}].segments must not be empty`);
    if (typeof s.advantage !== 'number' || !Number.isFinite(s.advantage)) throw invalid(`samples[${i}].advantage must be a finite number`);
    s.segments.forEach((seg: GrpoSegment, j: number) => {
      if (!Array.isArray(seg.tokens) || seg.tokens.length === 0) throw invalid(`samples[${i}].segments[${j}].tokens must not be empty`);
      if (!Array.isArray(seg.mask) || seg.mask.length !== seg.tokens.length) throw invalid(`samples[${i}].segments[${j}].mask must have one entry per token`);
      if (seg.mask.some((m: number) => m !== 0 && m !== 1)) throw invalid(`samples[${i}].segments[${j}].mask must hold 0 and 1 only`);
      if (seg.mask[0] === 1) throw invalid(`samples[${i}].segments[${j}].mask[0] must be 0: the first token has nothing to be predicted from`);
    });
  });
}

/** Loss tokens of each sample. */
export function lossTokensOf(samples: readonly GrpoSample[]): number[] {
  return samples.map((s) => s.segments.reduce((n, seg) => n + seg.mask.reduce((a, m) => a + m, 0), 0));
}

/** Sequences per native log-prob call: bounds one call's memory whatever the batch. */
const LOGPROB_CHUNK = 32;

/**
 * Every segment's token log-probs under `model` as it is now (teacher-forced, no dropout), or with `base` under
 * the base weights alone (a LoRA adapter left out: the reference of a LoRA run).
 */
export async function sampleLogprobs(model: Model, samples: readonly GrpoSample[], options: { base?: boolean } = {}): Promise<SampleLogprobs> {
  checkSamples(samples);
  const rows = samples.flatMap((s) => s.segments.map((seg) => seg.tokens));
  const flat: number[][] = [];
  for (let start = 0; start < rows.length; start += LOGPROB_CHUNK) {
    const chunk = rows.slice(start, start + LOGPROB_CHUNK);
    flat.push(...(options.base ? await model.baseTokenLogprobs(chunk) : await model.tokenLogprobs(chunk)));
  }
  let next = 0;
  return samples.map((s) => s.segments.map(() => flat[next++]));
}

interface Sources {
  /** Log-probs of the parameters that generated the samples; absent: the parameters being trained (r = 1). */
  old?: SampleLogprobs;
  /** The reference's log-probs; needed when β > 0, used for the KL metric whenever given. */
  reference?: SampleLogprobs;
}

function checkSources(samples: readonly GrpoSample[], sources: Record<string, SampleLogprobs | undefined>): void {
  for (const [name, lp] of Object.entries(sources)) {
    if (lp === undefined) continue;
    const fits = Array.isArray(lp) && lp.length === samples.length && samples.every((s, i) => lp[i]?.length === s.segments.length && s.segments.every((seg, j) => lp[i][j]?.length === seg.tokens.length));
    if (!fits) throw invalid(`${name} log-probs must have one entry per token of every segment of every sample`);
  }
}

/** The loss and metrics of `samples` under the measured `policy` log-probs. */
export function grpoMetrics(samples: readonly GrpoSample[], policy: SampleLogprobs, sources: Sources, options: GrpoOptions): GrpoMetrics {
  checkSamples(samples);
  const o = checkGrpoOptions(options);
  checkSources(samples, { policy, ...sources });
  const lossTokens = lossTokensOf(samples);
  const { coefficients, normaliser } = aggregationOf(lossTokens, o);
  let loss = 0;
  let kl = 0;
  let low = 0;
  let high = 0;
  let logprobs = 0;
  samples.forEach((s, i) => {
    s.segments.forEach((seg, j) => {
      for (let t = 1; t < seg.tokens.length; t++) {
        if (seg.mask[t] !== 1) continue;
        const term = tokenTerm(s.advantage, policy[i][j][t], sources.old?.[i][j][t], sources.reference?.[i][j][t], o);
        loss += coefficients[i] * term.loss;
        kl += term.kl;
        if (term.lowClipped) low++;
        if (term.highClipped) high++;
        logprobs += policy[i][j][t];
      }
    });
  });
  const tokens = lossTokens.reduce((a, b) => a + b, 0);
  const perToken = (x: number) => (tokens > 0 ? x / tokens : 0);
  return {
    samples: samples.length,
    loss: normaliser > 0 ? loss / normaliser : 0,
    lossTokens: tokens,
    kl: perToken(kl),
    clipLow: perToken(low),
    clipHigh: perToken(high),
    clipRatio: perToken(low + high),
    meanLogprob: logprobs / samples.length,
  };
}

export interface GrpoAccumulateOptions extends GrpoOptions {
  /** Samples per micro-batch (each of their segments is a row). */
  microBatchSamples: number;
  /** Token that fills rows up to the micro-batch's longest (never a label). */
  padTokenId: number;
}

/**
 * Accumulates one optimizer step's GRPO gradient over `samples` in micro-batches; call `trainer.step()` afterwards.
 * `sources.old` (samples from older parameters) and `sources.reference` (β > 0) as sampleLogprobs gives them.
 * Returns the step's loss and metrics, measured at the parameters the step starts from.
 */
export async function grpoAccumulate(trainer: Trainer, samples: readonly GrpoSample[], sources: Sources, options: GrpoAccumulateOptions): Promise<GrpoMetrics> {
  checkSamples(samples);
  const o = checkGrpoOptions(options);
  checkSources(samples, { ...sources });
  if (o.beta > 0 && !sources.reference) throw invalid('reference log-probs are needed when beta > 0');
  const micro = options.microBatchSamples;
  if (!Number.isInteger(micro) || micro < 1) throw invalid('microBatchSamples must be a positive integer');
  const lossTokens = lossTokensOf(samples);
  if (lossTokens.every((n) => n === 0)) throw invalid('no sample has a loss token (a token the model generated)');
  const { coefficients } = aggregationOf(lossTokens, o);
  // The weights need log πθ only through r (older samples) or the KL term; otherwise they are the advantages.
  const needsPolicy = sources.old !== undefined || o.beta > 0;
  const policy: SampleLogprobs = [];
  for (let start = 0; start < samples.length; start += micro) {
    const group = samples.slice(start, start + micro);
    const measured = needsPolicy ? await sampleLogprobs(trainer.model, group) : undefined;
    const batch = { inputIds: [] as number[][], labels: [] as number[][], positionIds: [] as number[][], weights: [] as number[][] };
    const place: Array<{ sample: number; segment: number; row: number }> = [];
    const width = Math.max(...group.flatMap((s) => s.segments.map((seg) => seg.tokens.length)));
    group.forEach((s, k) => {
      const i = start + k;
      s.segments.forEach((seg, j) => {
        if (!seg.mask.includes(1)) return;
        const pad = width - seg.tokens.length;
        const weights = new Array<number>(width).fill(0);
        for (let t = 1; t < seg.tokens.length; t++) {
          if (seg.mask[t] !== 1) continue;
          // Under r = 1 and β = 0 the weight does not depend on log πθ: 0 stands in for it.
          const term = tokenTerm(s.advantage, measured ? measured[k][j][t] : 0, sources.old?.[i][j][t], sources.reference?.[i][j][t], o);
          // accumulateWeighted adds the gradient of Σ w·NLL = −Σ w·log πθ: w = −coefficient · ∂p/∂log πθ.
          weights[t] = -coefficients[i] * term.dLogprob;
        }
        place.push({ sample: k, segment: j, row: batch.inputIds.length });
        batch.inputIds.push([...seg.tokens, ...new Array<number>(pad).fill(options.padTokenId)]);
        batch.labels.push([...seg.tokens.map((tok, t) => (seg.mask[t] === 1 ? tok : -100)), ...new Array<number>(pad).fill(-100)]);
        batch.positionIds.push(Array.from({ length: width }, (_, t) => t));
        batch.weights.push(weights);
      });
    });
    const share = aggregationOf(lossTokensOf(group), o).normaliser;
    if (batch.inputIds.length === 0 && share > 0) {
      // Samples without loss tokens still count in a `sequence` / `dr_grpo` normaliser: one label-free row adds
      // their share and no gradient.
      batch.inputIds.push([options.padTokenId, options.padTokenId]);
      batch.labels.push([-100, -100]);
      batch.positionIds.push([0, 1]);
      batch.weights.push([0, 0]);
    }
    const passed = share > 0 ? (await trainer.accumulateWeighted(batch, share)).tokenLogprobs : [];
    group.forEach((s, k) => {
      policy.push(
        s.segments.map((seg, j) => {
          if (measured) return measured[k][j];
          const at = place.find((p) => p.sample === k && p.segment === j);
          // Masked positions of the gradient pass read 0; only loss tokens are read from here.
          return at ? passed[at.row].slice(0, seg.tokens.length) : new Array<number>(seg.tokens.length).fill(0);
        }),
      );
    });
  }
  return grpoMetrics(samples, policy, sources, o);
}
