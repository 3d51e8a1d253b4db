import { insideRunArea, runArea } from './run-area';

describe('a run area', () => {
  it('holds what lies under jobs/<job>/training/<run>/ and nothing that climbs out or belongs to another run', () => {
    expect(runArea('job-1', 'run-1')).toBe('jobs/job-1/training/run-1/');
    expect(insideRunArea('jobs/job-1/training/run-1/merged', 'job-1', 'run-1')).toBe(true);
    expect(insideRunArea('jobs/job-1/training/run-1/checkpoints/step-00000002', 'job-1', 'run-1')).toBe(true);
    expect(insideRunArea('jobs/job-1/training/run-10/merged', 'job-1', 'run-1')).toBe(false);
    expect(insideRunArea('jobs/job-1/training/run-1/../run-2/merged', 'job-1', 'run-1')).toBe(false);
    expect(insideRunArea('jobs/job-1/training/run-1//merged', 'job-1', 'run-1')).toBe(false);
    expect(insideRunArea('jobs/job-2/training/run-1/merged', 'job-1', 'run-1')).toBe(false);
    expect(insideRunArea('models/base', 'job-1', 'run-1')).toBe(false);
  });
});
