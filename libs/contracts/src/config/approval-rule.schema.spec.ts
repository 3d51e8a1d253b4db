import { approvalRuleSchema, decideApproval } from './approval-rule.schema';

describe('decideApproval', () => {
  const thresholds = { tool_selection_accuracy: { atLeast: 0.9 }, loss: { atMost: 1.5 } };
  const rule = approvalRuleSchema.parse({ approveIf: thresholds, otherwise: 'ask' });

  it('answers fixed rules as they are', () => {
    expect(decideApproval('approve', {})).toBe('approve');
    expect(decideApproval('ask', { loss: 0 })).toBe('ask');
  });

  it('approves only when every threshold holds, bounds included', () => {
    expect(decideApproval(rule, { tool_selection_accuracy: 0.9, loss: 1.5 })).toBe('approve');
    expect(decideApproval(rule, { tool_selection_accuracy: 0.89, loss: 1.0 })).toBe('ask');
    expect(decideApproval(rule, { tool_selection_accuracy: 0.95, loss: 1.6 })).toBe('ask');
  });

  it('treats a missing or non-finite metric as not met', () => {
    expect(decideApproval(rule, { loss: 1.0 })).toBe('ask');
    expect(decideApproval({ approveIf: thresholds, otherwise: 'reject' }, { tool_selection_accuracy: Number.NaN, loss: 1 })).toBe('reject');
  });
});
