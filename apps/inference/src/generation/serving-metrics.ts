import type { ChoiceObserver } from '@tuneforge/serving';
import { defineMeter } from '@tuneforge/telemetry';

/**
 * What serving does, on the service's /metrics (Prometheus names: tuneforge_inference_generated_tokens_total,
 * tuneforge_inference_sequences_total by finish, tuneforge_inference_time_to_first_token_seconds): the numbers
 * a serving benchmark and an autoscaler on load read. The unit is in the histogram's name because the Prometheus
 * text does not add it. Recorded by watching every choice the endpoints run (libs/serving's `runChoice` observer).
 */
const meter = defineMeter('@tuneforge/inference');
const generatedTokens = meter.counter('tuneforge.inference.generated_tokens', { description: 'Tokens generated for every choice of every request.', unit: '{token}' });
const sequences = meter.counter('tuneforge.inference.sequences', { description: 'Choices generated, by how they ended (stop, length, cancelled: the client left).', unit: '{sequence}' });
const timeToFirstToken = meter.histogram('tuneforge.inference.time_to_first_token_seconds', {
  description: 'From a choice joining the scheduler to its first generated token (queueing and prefill included).',
  unit: 's',
  boundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** The endpoints' choices, counted. */
export const servingMetrics: ChoiceObserver = {
  firstToken(seconds) {
    timeToFirstToken.record(seconds);
  },
  end(finish, tokens) {
    generatedTokens.add(tokens);
    sequences.add(1, { finish });
  },
};
