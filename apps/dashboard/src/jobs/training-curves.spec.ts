import type { JobEvent } from '../api/types';
import { curvesFromEvents, latest, rewardMetrics } from './training-curves';

let next = 0;
const metrics = (data: Record<string, unknown>): JobEvent => ({ id: `e${next++}`, object: 'fine_tuning.job.event', created_at: 1, level: 'info', message: 'step', type: 'metrics', data });
const message = (text: string): JobEvent => ({ id: `e${next++}`, object: 'fine_tuning.job.event', created_at: 1, level: 'info', message: text, type: 'message', data: null });

describe('curvesFromEvents', () => {
  it('gathers step metrics into curves by run and step, leaving gaps where a step did not report a metric', () => {
    const runs = curvesFromEvents([
      message('Training started'),
      metrics({ step: 2, total_steps: 4, train_loss: 2.5, learning_rate: 0.001, tokens_per_second: 900, eta_seconds: 3, run_id: 'r1' }),
      metrics({ step: 1, total_steps: 4, train_loss: 3, learning_rate: 0.001, tokens_per_second: 800, run_id: 'r1' }),
      metrics({ step: 2, valid_loss: 2.7, run_id: 'r1' }),
      metrics({ step: 1, total_steps: 2, train_loss: 1.5, run_id: 'r2' }),
    ]);
    expect(runs.map((run) => run.runId)).toEqual(['r1', 'r2']);
    const [first, second] = runs;
    expect(first.steps).toEqual([1, 2]);
    expect(first.totalSteps).toBe(4);
    expect(first.series.train_loss).toEqual([3, 2.5]);
    expect(first.series.valid_loss).toEqual([null, 2.7]);
    expect(first.series.tokens_per_second).toEqual([800, 900]);
    // Bookkeeping fields are not curves.
    expect(Object.keys(first.series)).not.toEqual(expect.arrayContaining(['eta_seconds']));
    expect(first.series).not.toHaveProperty('run_id');
    expect(second.series.train_loss).toEqual([1.5]);
  });

  it('ignores events without a step and values that are not finite numbers', () => {
    const [run] = curvesFromEvents([metrics({ train_loss: 1 }), metrics({ step: 1, train_loss: Number.NaN, learning_rate: 0.1, note: 'x' })]);
    expect(run.steps).toEqual([1]);
    expect(run.series).toEqual({ learning_rate: [0.1] });
  });

  it('finds the reward curves of preference and reinforcement runs', () => {
    const [run] = curvesFromEvents([metrics({ step: 1, train_loss: 1, train_reward_margin: 0.2, valid_reward_accuracy: 0.6, reward: 0.4 })]);
    expect(rewardMetrics(run)).toEqual(['reward', 'train_reward_margin', 'valid_reward_accuracy']);
    expect(rewardMetrics(curvesFromEvents([metrics({ step: 1, train_loss: 1 })])[0])).toEqual([]);
  });

  it('latest() is the last reported value', () => {
    expect(latest([1, 2, null])).toBe(2);
    expect(latest([null])).toBeNull();
    expect(latest(undefined)).toBeNull();
  });
});
