import { loadDefaultConfig } from '../../config/default-config';
import { createMessage } from '../../message-factory';
import { dataPreparationRequestedV1 } from '../data.preparation.requested.v1';
import { dataPreparationCompletedV1, MAX_PREPARATION_ERRORS } from './index';

describe('data preparation topics', () => {
  const config = loadDefaultConfig();

  it('a request carries the job config data and synthesis sections and refuses ids that cannot be key segments', () => {
    const payload = {
      taskId: 'prep-1',
      jobId: 'ftjob-abc',
      files: { training: 'files/file-1.jsonl' },
      data: config.data,
      synthesis: config.synthesis,
      tools: [],
    };
    const message = createMessage(dataPreparationRequestedV1, payload, { correlationId: 'ftjob-abc', tenant: 'acme' });
    expect(dataPreparationRequestedV1.envelope.parse(message).payload).toEqual(payload);
    expect(dataPreparationRequestedV1.payload.safeParse({ ...payload, jobId: '../other' }).success).toBe(false);
    expect(dataPreparationRequestedV1.payload.safeParse({ ...payload, data: { ...config.data, format: 'xml' } }).success).toBe(false);
  });

  it('a failed result lists at least one and at most the capped number of structured errors', () => {
    const error = { code: 'invalid_record', file: 'train.jsonl', line: 3, field: 'messages[1].role', expected: 'user or assistant' };
    const failed = { taskId: 't', jobId: 'j', status: 'failed' as const, errors: [error], errorCount: 250 };
    expect(dataPreparationCompletedV1.payload.parse(failed)).toEqual(failed);
    expect(dataPreparationCompletedV1.payload.safeParse({ ...failed, errors: [] }).success).toBe(false);
    expect(dataPreparationCompletedV1.payload.safeParse({ ...failed, errors: Array(MAX_PREPARATION_ERRORS + 1).fill(error) }).success).toBe(false);
    expect(dataPreparationCompletedV1.payload.safeParse({ ...failed, status: 'succeeded' }).success).toBe(false);
  });
});
