import { parseApprovalPolicy } from './approval-policy';

describe('parseApprovalPolicy', () => {
  it('one answer sets every stage', () => {
    expect(parseApprovalPolicy('approve')).toEqual({ training_halfway: 'approve', after_evaluation: 'approve', apply_diagnosis: 'approve' });
  });

  it('stage=answer pairs set the stages named, in API or config spelling', () => {
    expect(parseApprovalPolicy('training_halfway=ask, afterEvaluation=approve')).toEqual({ training_halfway: 'ask', after_evaluation: 'approve' });
  });

  it('refuses unknown stages and answers with a usage error (exit 2) that says what is expected', () => {
    expect(() => parseApprovalPolicy('halfway=ask')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('training_halfway, after_evaluation, apply_diagnosis') }));
    expect(() => parseApprovalPolicy('training_halfway=maybe')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('ask, approve, reject') }));
    expect(() => parseApprovalPolicy('sometimes')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
