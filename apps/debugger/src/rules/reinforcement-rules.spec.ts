// The reinforcement rules on synthetic GRPO runs: each fires on the failure it names, with its patch, and stays quiet
// on a healthy run (reward rising, KL small, groups split, lengths steady) and on supervised runs (no reward points).
import { jobConfigSchema, type CurvePoint } from '@tuneforge/contracts';
import { diagnose } from '../diagnosis/diagnose';
import { healthyInput } from '../testing/synthetic-runs';
import { klBlowupRule } from './kl-blowup.rule';
import { lengthHackingRule } from './length-hacking.rule';
import { noRewardSignalRule } from './no-reward-signal.rule';
import { rewardCollapseRule } from './reward-collapse.rule';

type Reward = NonNullable<CurvePoint['reward']>;

/** A 40-step GRPO curve; `at(t)` gives each step's reward fields (t from 0 to 1). */
function rlCurve(at: (t: number) => Partial<Reward>): CurvePoint[] {
  return Array.from({ length: 40 }, (_, i) => {
    const t = i / 39;
    const reward: Reward = { mean: 0.3 + 0.4 * t, std: 0.4, kl: 0.02, zeroStdGroups: 1, groups: 8, generatedTokens: 60, ...at(t) };
    return { step: i + 1, loss: 0.05, learningRate: 1e-5, gradNorm: 0.5, reward };
  });
}

function rlInput(curve: CurvePoint[], grpo: Record<string, unknown> = {}) {
  const base = healthyInput();
  const config = { ...base.config, training: { ...base.config.training, objective: 'reinforcement' as const, reinforcement: { grader: { type: 'string_check', name: 'a', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' }, computeMultiplier: 1, evalInterval: 5, evalSamples: 8, reasoningEffort: 'default' as const }, grpo } };
  return healthyInput({ config: config as never, curve, totalSteps: curve.length });
}

/** The patched config must still be a valid job config. */
function patched(input: ReturnType<typeof rlInput>, patch: { config: Record<string, unknown> }) {
  const t = patch.config['training'] as Record<string, unknown> & { grpo?: Record<string, unknown> };
  const training = { ...input.config.training, ...t, grpo: { ...input.config.training.grpo, ...t.grpo } };
  return jobConfigSchema.parse({ ...input.config, training });
}

describe('reinforcement rules', () => {
  it('a healthy GRPO run and a supervised run raise none of them', () => {
    const rules = [rewardCollapseRule, klBlowupRule, noRewardSignalRule, lengthHackingRule];
    expect(diagnose(rlInput(rlCurve(() => ({}))), rules)).toEqual([]);
    expect(diagnose(healthyInput(), rules)).toEqual([]);
  });

  it('reward collapse: late reward under half its best; lower learning rate and a KL anchor', () => {
    const input = rlInput(rlCurve((t) => ({ mean: t < 0.5 ? 0.2 + 1.2 * t : 0.8 - 1.5 * (t - 0.5) })));
    const finding = rewardCollapseRule(input)!;
    expect(finding).toMatchObject({ code: 'reward_collapse', severity: 'high', patch: { config: { training: { grpo: { beta: 0.04 } } } } });
    expect(finding.evidence['lateReward'] as number).toBeLessThan(0.5 * (finding.evidence['bestReward'] as number));
    expect(patched(input, finding.patch).training.learningRate).toBeLessThan(input.config.training.learningRate);
    // A reward that is low throughout has nothing to collapse from.
    expect(rewardCollapseRule(rlInput(rlCurve(() => ({ mean: 0.01 }))))).toBeNull();
  });

  it('KL blow-up: KL per token past 1 at the end; beta quadrupled', () => {
    const input = rlInput(rlCurve((t) => ({ kl: 0.05 + 3 * t * t })), { beta: 0.04 });
    const finding = klBlowupRule(input)!;
    expect(finding).toMatchObject({ code: 'kl_blowup', patch: { config: { training: { grpo: { beta: 0.16 } } } } });
    expect(patched(input, finding.patch).training.grpo?.beta).toBe(0.16);
    expect(klBlowupRule(rlInput(rlCurve((t) => ({ kl: 0.05 + 0.5 * t }))))).toBeNull();
  });

  it('all-equal group rewards: most groups without signal; more chains, hotter sampling', () => {
    const input = rlInput(rlCurve(() => ({ mean: 0.97, zeroStdGroups: 7 })));
    const finding = noRewardSignalRule(input)!;
    expect(finding).toMatchObject({ code: 'no_reward_signal', patch: { config: { training: { grpo: { numChains: 8, temperature: 1.3 } } } } });
    expect(finding.patch.description).toContain('too easy');
    expect(patched(input, finding.patch).training.grpo).toMatchObject({ numChains: 8, temperature: 1.3 });
  });

  it('length hacking: episodes twice as long for no reward; token aggregation, or a tighter budget', () => {
    const flat = (t: number) => ({ mean: 0.4, generatedTokens: 50 + 150 * t });
    const sequence = rlInput(rlCurve(flat), { aggregation: 'sequence' });
    expect(lengthHackingRule(sequence)).toMatchObject({ code: 'length_hacking', patch: { config: { training: { grpo: { aggregation: 'token' } } } } });
    const token = rlInput(rlCurve(flat), { maxTurns: 2, maxNewTokens: 256 });
    const finding = lengthHackingRule(token)!;
    const capped = patched(token, finding.patch).training.grpo!.maxNewTokens!;
    expect(capped).toBeLessThan(256);
    expect(capped).toBeGreaterThanOrEqual(16);
    // Longer episodes that earn more reward are not hacking.
    expect(lengthHackingRule(rlInput(rlCurve((t) => ({ mean: 0.2 + 0.6 * t, generatedTokens: 50 + 150 * t }))))).toBeNull();
  });
});
