import { loadDefaultConfig } from '../../config/default-config';
import { trainingCheckpointSavedV1 } from '../training.checkpoint.saved.v1';
import { trainingRunControlV1 } from '../training.run.control.v1';
import { trainingRunRequestedV1 } from '../training.run.requested.v1';
import { trainingRunCompletedV1 } from './index';

describe('training topics', () => {
  it('accepts each completion status with its own fields only', () => {
    const ids = { runId: 'run-1', jobId: 'job-1' };
    expect(trainingRunCompletedV1.payload.safeParse({ ...ids, status: 'succeeded', steps: 3, finalLoss: 1.2, artifacts: { merged: 'm', adapter: 'a' } }).success).toBe(true);
    expect(trainingRunCompletedV1.payload.safeParse({ ...ids, status: 'failed', step: 0, error: 'boom' }).success).toBe(true);
    expect(trainingRunCompletedV1.payload.safeParse({ ...ids, status: 'cancelled', step: 2 }).success).toBe(true);
    expect(trainingRunCompletedV1.payload.safeParse({ ...ids, status: 'succeeded', steps: 3, finalLoss: 1, artifacts: {} }).success).toBe(false);
    expect(trainingRunCompletedV1.payload.safeParse({ ...ids, status: 'cancelled', step: 2, error: 'x' }).success).toBe(false);
  });

  it('requests a run with the job config training section and key-safe ids', () => {
    const base = { runId: 'run-1', jobId: 'job-1', baseModel: 'models/tiny', datasets: ['jobs/job-1/data-preparation/t/dataset'], training: loadDefaultConfig().training };
    const parsed = trainingRunRequestedV1.payload.parse(base);
    expect(parsed.maxSequenceLength).toBe(2048);
    expect(trainingRunRequestedV1.payload.safeParse({ ...base, runId: '../etc' }).success).toBe(false);
    expect(trainingRunRequestedV1.payload.safeParse({ ...base, datasets: [] }).success).toBe(false);
  });

  it('carries OpenAI checkpoint metrics and the three control actions', () => {
    const ids = { runId: 'run-1', jobId: 'job-1' };
    expect(trainingCheckpointSavedV1.payload.safeParse({ ...ids, step: 4, artifact: 'k', metrics: { step: 4, train_loss: 1, valid_loss: 2 } }).success).toBe(true);
    expect(trainingCheckpointSavedV1.payload.safeParse({ ...ids, step: 4, artifact: 'k', metrics: { step: 4, loss: 1 } }).success).toBe(false);
    expect(['pause', 'resume', 'cancel'].every((action) => trainingRunControlV1.payload.safeParse({ ...ids, action }).success)).toBe(true);
    expect(trainingRunControlV1.payload.safeParse({ ...ids, action: 'stop' }).success).toBe(false);
  });
});
