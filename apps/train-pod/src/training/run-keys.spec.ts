import { checkpointPrefix, stepOfCheckpoint } from './run-keys';

describe('run keys', () => {
  it('names checkpoints by zero-padded step and reads the step back', () => {
    const prefix = checkpointPrefix({ jobId: 'job-1', runId: 'run-1' }, 12);
    expect(prefix).toBe('jobs/job-1/training/run-1/checkpoints/step-00000012');
    expect(stepOfCheckpoint(prefix)).toBe(12);
    expect(stepOfCheckpoint('jobs/x/other')).toBeUndefined();
  });
});
