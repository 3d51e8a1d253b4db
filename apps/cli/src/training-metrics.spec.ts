import { formatDuration, formatMetricsLine, readTrainingMetrics } from './training-metrics';

describe('training metrics', () => {
  it('reads a metrics event\'s data as the orchestrator writes it', () => {
    expect(readTrainingMetrics({ step: 3, total_steps: 12, epoch: 1, train_loss: 2.5, learning_rate: 0.001, tokens_per_second: 812.4, eta_seconds: 9.2 })).toEqual({
      step: 3,
      totalSteps: 12,
      loss: 2.5,
      tokensPerSecond: 812.4,
      etaSeconds: 9.2,
    });
    expect(readTrainingMetrics({ step: 3 })).toBeUndefined();
    expect(readTrainingMetrics(null)).toBeUndefined();
  });

  it('formats the per-step line with step/total, loss, tokens/s and ETA', () => {
    expect(formatMetricsLine({ step: 3, totalSteps: 12, loss: 2.51234, tokensPerSecond: 812.4, etaSeconds: 75 })).toBe('step 3/12  loss 2.5123  812 tok/s  ETA 1m15s');
    expect(formatMetricsLine({ step: 1, totalSteps: 2 })).toBe('step 1/2  loss ?  ? tok/s  ETA ?');
  });

  it('formats durations for humans', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(3700)).toBe('1h01m');
  });
});
