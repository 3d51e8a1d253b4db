import { loadDefaultConfig } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/gateway-errors';
import { checkApprovalEdits } from './approval-edits';

describe('checkApprovalEdits', () => {
  const config = loadDefaultConfig();

  it('accepts a patch that keeps the configuration valid', () => {
    expect(() => checkApprovalEdits({ config }, { training: { epochs: 9, learningRate: 0.001 } }, config)).not.toThrow();
  });

  it('refuses a missing or empty patch naming edits', () => {
    expect(() => checkApprovalEdits({}, undefined, config)).toThrow(expect.objectContaining({ param: 'edits' }));
    expect(() => checkApprovalEdits({}, {}, config)).toThrow(InvalidRequestError);
  });

  it('names the field a patch breaks, checked against the config the question carries', () => {
    expect(() => checkApprovalEdits({ config }, { training: { epochs: 0 } }, config)).toThrow(expect.objectContaining({ param: 'edits.training.epochs' }));
    expect(() => checkApprovalEdits({ config }, { trainng: { epochs: 2 } }, config)).toThrow(expect.objectContaining({ param: expect.stringMatching(/^edits/) }));
    // The question's config (a later iteration's) wins over the job's initial one.
    const later = { ...config, training: { ...config.training, batchSize: 16, microBatchSize: 16 } };
    expect(() => checkApprovalEdits({ config: later }, { training: { microBatchSize: 8 } }, config)).not.toThrow();
    expect(() => checkApprovalEdits({ config: later }, { training: { microBatchSize: 5 } }, config)).toThrow(expect.objectContaining({ param: 'edits.training.batchSize' }));
  });
});
