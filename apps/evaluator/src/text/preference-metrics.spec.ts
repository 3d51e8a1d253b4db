import { collectDataset, loadModelTokenizer } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import { resolve } from 'node:path';
import type { EvaluationReport } from '../evaluation/evaluation-report';
import type { PreferenceRecord } from '../inputs/read-evaluation-set';
import { renderReportHtml } from '../report/report-html';
import { preferenceMetrics, preferenceReport, scorePairs } from './preference-metrics';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
const HELD_OUT = resolve(__dirname, '../../../gateway/test/fixtures/dpo-tools.heldout.jsonl');
const score = (chosen: number, rejected: number) => ({ chosen, rejected, chosenTokens: 3, rejectedTokens: 3 });

describe('preference metrics', () => {
  it('preference accuracy by log-probability for both models; the implicit reward against the base for the tuned one', () => {
    const base = [score(-10, -9), score(-8, -12), score(-5, -5)];
    const tuned = [score(-6, -11), score(-9, -12), score(-5, -7)];
    const { base: b, tuned: t, margins } = preferenceMetrics(base, tuned, 0.1);
    expect(b).toEqual({ preference_accuracy: 1 / 3, logprob_margin: (-1 + 4 + 0) / 3, reward_accuracy: 0, reward_margin: 0 });
    expect(t.preference_accuracy).toBe(1);
    expect(t.logprob_margin).toBeCloseTo((5 + 3 + 2) / 3);
    // Pair 2: tuned − base is −1 on chosen and 0 on rejected: its reward margin is negative.
    expect(margins.map((m) => Number(m.toFixed(6)))).toEqual([0.6, -0.1, 0.2]);
    expect(t.reward_accuracy).toBeCloseTo(2 / 3);
    expect(t.reward_margin).toBeCloseTo(0.7 / 3);
  });

  it('scores the held-out tool-call pairs with the chat template and the tools, and renders them in the report', async () => {
    const tokenizer = await loadModelTokenizer(LLAMA);
    const { records } = await collectDataset(HELD_OUT);
    const pairs = records as PreferenceRecord[];
    const model = await Model.load(LLAMA, { threads: 1 });
    const scores = await scorePairs(model, tokenizer, pairs, 1024, 'baseModel');
    model.dispose();
    expect(scores).toHaveLength(pairs.length);
    expect(scores.every((s) => Number.isFinite(s.chosen) && s.chosen < 0 && s.chosenTokens > 0)).toBe(true);
    const report = preferenceReport(pairs, scores, scores, 0.1);
    expect(report.tuned.reward_margin).toBe(0);
    expect(report.perPair[0]).toMatchObject({ source: { line: 1 }, chosen: expect.stringContaining('calculator('), rejected: expect.stringContaining('search(') });
    const html = renderReportHtml({
      kind: 'evaluation-report',
      version: 1,
      jobId: 'ftjob-1',
      taskId: 'eval-1',
      iteration: 1,
      models: { base: 'models/base', tuned: 'jobs/ftjob-1/merged' },
      evaluationSet: { source: 'validation.jsonl', available: 0, evaluated: 0, skippedPreferencePairs: 0, withoutReference: 0, preferencePairs: pairs.length },
      settings: { enabled: true, maxExamples: 64, metrics: ['validation_loss'], maxNewTokens: 16, agentTurnLimit: 2, temperature: 0, maxSequenceLength: 1024 },
      notComputed: [],
      summary: { examples: pairs.length, agent_episodes: 0, base: { metrics: report.base, per_tool: {} }, tuned: { metrics: report.tuned, per_tool: {} } },
      examples: [],
      preference: report,
      worstExamples: [],
      trainingCurve: [],
      durationMs: 1,
    } satisfies EvaluationReport);
    expect(html).toContain('<h2>Preference pairs (12, β = 0.1)</h2>');
    expect(html).toContain('<table class="preference">');
    expect(html).toContain('data-metric="preference_accuracy"');
    expect(html).not.toContain('Worst examples');
  });
});
