import { trainingRunProgressedV1, type PayloadOf, type TopicSpec } from '@tuneforge/contracts';
import { defineMeter } from '@tuneforge/telemetry';
import type { z } from 'zod';
import type { PodChannel } from './pod-channel';

/**
 * Training metrics as OpenTelemetry gauges, recorded from the progress events the run publishes (the
 * numbers users see in the job's events are the numbers in the metrics, by construction). They leave the
 * pod over OTLP; Prometheus names: tuneforge_training_loss, tuneforge_training_tokens_per_second,
 * tuneforge_training_step, tuneforge_training_learning_rate, labelled by job and run.
 */
const meter = defineMeter('@tuneforge/train-pod');
// Loss and learning rate are dimensionless: no unit, which keeps Prometheus names free of a `_ratio` suffix
// (OTLP-to-Prometheus translation adds unit suffixes; the names here are the scraped names, dots aside).
const loss = meter.gauge('tuneforge.training.loss', { description: 'Mean loss over the labeled tokens of the last reported step.' });
// No unit for throughput either: the name says it, and `{token}/s` would make Prometheus names end in `_per_second_per_second`.
const tokensPerSecond = meter.gauge('tuneforge.training.tokens_per_second', { description: 'Trained tokens per second of the last reported step.' });
const step = meter.gauge('tuneforge.training.step', { description: 'The last reported optimizer step (1-based).', unit: '{step}' });
const learningRate = meter.gauge('tuneforge.training.learning_rate', { description: 'Learning rate of the last reported step.' });

type Progress = PayloadOf<typeof trainingRunProgressedV1>;

export function recordTrainingProgress(progress: Progress): void {
  const attributes = { 'tuneforge.job_id': progress.jobId, 'tuneforge.run_id': progress.runId };
  loss.record(progress.loss, attributes);
  tokensPerSecond.record(progress.tokensPerSecond, attributes);
  step.record(progress.step, attributes);
  learningRate.record(progress.learningRate, attributes);
}

/** The channel as it was, plus a measurement for every progress event that went out. */
export function withTrainingMetrics(channel: PodChannel): PodChannel {
  return {
    async publish<P extends z.ZodTypeAny>(topic: TopicSpec<P>, payload: z.infer<P>, dedupKey: string): Promise<void> {
      await channel.publish(topic, payload, dedupKey);
      if (topic.name === trainingRunProgressedV1.name) recordTrainingProgress(payload as Progress);
    },
    onControl: (handler) => channel.onControl(handler),
    close: () => channel.close(),
  };
}
