import type { Finding } from '@tuneforge/contracts';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';
import { reactDefectFinding } from './react-defect';

/** Tool completions that do not end at `\nObservation:`, the agent's stop sequence (reference 000). */
export function missingObservationStopRule(input: DiagnosisInput): Finding | null {
  return reactDefectFinding(input, 'stop_at_observation', {
    code: 'missing_observation_stop',
    severity: 'high',
    title: (count, total) => `${count} of ${total} tool samples do not end at "\\nObservation:"`,
    why: 'A tool completion must end exactly at "\\nObservation:", the stop sequence the agent sends; otherwise the model never stops to let the tool run.',
  });
}
