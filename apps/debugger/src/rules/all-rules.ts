import { divergenceRule } from './divergence.rule';
import { klBlowupRule } from './kl-blowup.rule';
import { lengthHackingRule } from './length-hacking.rule';
import { noRewardSignalRule } from './no-reward-signal.rule';
import { rewardCollapseRule } from './reward-collapse.rule';
import { learningRateTooHighRule } from './learning-rate-too-high.rule';
import { learningRateTooLowRule } from './learning-rate-too-low.rule';
import { missingObservationStopRule } from './missing-observation-stop.rule';
import { nonFiniteLossRule } from './non-finite-loss.rule';
import { overfittingRule } from './overfitting.rule';
import { predictedObservationRule } from './predicted-observation.rule';
import type { DiagnosisRule } from './rule';
import { staticToolSetRule } from './static-tool-set.rule';
import { tooFewSamplesPerToolRule } from './too-few-samples-per-tool.rule';
import { toolImbalanceRule } from './tool-imbalance.rule';
import { truncationRule } from './truncation.rule';
import { underfittingRule } from './underfitting.rule';
import { weakToolRule } from './weak-tool.rule';

/** Every rule the debugger runs; each is independent of the others, so the order here does not matter. */
export const ALL_RULES: readonly DiagnosisRule[] = [
  nonFiniteLossRule,
  divergenceRule,
  overfittingRule,
  underfittingRule,
  learningRateTooHighRule,
  learningRateTooLowRule,
  missingObservationStopRule,
  predictedObservationRule,
  toolImbalanceRule,
  staticToolSetRule,
  tooFewSamplesPerToolRule,
  truncationRule,
  weakToolRule,
  rewardCollapseRule,
  klBlowupRule,
  noRewardSignalRule,
  lengthHackingRule,
];
