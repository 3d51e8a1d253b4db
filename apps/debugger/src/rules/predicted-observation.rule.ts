import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { reactDefectFinding } from './react-defect';

/**
 * Completions that write the tool's observation themselves. Worse than a missing stop (reference 000): the
 * model learns to invent tool results, and the agent believes them. Hence critical.
 */
export function predictedObservationRule(input: DiagnosisInput): Finding | null {
  return reactDefectFinding(input, 'predicted_observation', {
    code: 'predicted_observation',
    severity: 'critical',
    title: (count, checked) => `${count} of ${checked} ReAct samples predict the tool's observation`,
    why: 'These completions go on past "\\nObservation:" and write the tool output themselves, so the model learns to invent tool results.',
  });
}
