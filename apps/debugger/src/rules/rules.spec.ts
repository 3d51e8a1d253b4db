import { chatRecords, dataFrom, healthyEvaluation, healthyInput, healthyLoss, makeCurve, reactRecords, TOOL_NAMES, truncationReport } from '../testing/synthetic-runs';
import { diagnose } from '../diagnosis/diagnose';
import { learningRateTooHighRule } from './learning-rate-too-high.rule';
import { learningRateTooLowRule } from './learning-rate-too-low.rule';
import { missingObservationStopRule } from './missing-observation-stop.rule';
import { overfittingRule } from './overfitting.rule';
import { staticToolSetRule } from './static-tool-set.rule';
import { truncationRule } from './truncation.rule';
import { underfittingRule } from './underfitting.rule';
import { weakToolRule } from './weak-tool.rule';

/** Each threshold, from just under it (no finding) to just over it (a finding). */
describe('rule thresholds', () => {
  it('truncation: 4 % of samples cut is tolerated, 6 % is a medium finding, 25 % a high one', () => {
    const records = chatRecords({ perTool: Object.fromEntries(TOOL_NAMES.map((n) => [n, 15])), noTool: 40 });
    const at = (truncated: number) => truncationRule(healthyInput({ data: dataFrom(records, { truncation: truncationReport(100, truncated), tokenLengths: records.map(() => 1000) }) }));
    expect(at(4)).toBeNull();
    expect(at(6)).toMatchObject({ severity: 'medium', evidence: { truncationRate: 0.06 } });
    expect(at(25)).toMatchObject({ severity: 'high' });
    // p95 of 1000 tokens is under the limit: the patch still doubles it, since 6 % were cut.
    expect(at(6)?.patch.config).toEqual({ data: { maxSequenceLength: 4096 } });
  });

  it('missing stop: 2 of 60 tool samples is tolerated, 4 of 60 is a finding', () => {
    expect(missingObservationStopRule(healthyInput({ data: dataFrom(reactRecords({ tool: 60, noTool: 40, missingStop: 2 })) }))).toBeNull();
    expect(missingObservationStopRule(healthyInput({ data: dataFrom(reactRecords({ tool: 60, noTool: 40, missingStop: 4 })) }))).toMatchObject({ evidence: { defectiveSamples: 4, checkedSamples: 60 } });
  });

  it('weak tool: needs at least five expected turns, and accuracy under 0.6; "(none)" weak asks for more no-tool samples', () => {
    const withTool = (expected: number, accuracy: number, name = 'send_email') => {
      const evaluation = healthyEvaluation();
      evaluation.tuned.per_tool[name] = { expected, predicted: expected, selection_accuracy: accuracy, argument_accuracy: accuracy };
      return weakToolRule(healthyInput({ evaluation }));
    };
    expect(withTool(4, 0.1)).toBeNull();
    expect(withTool(10, 0.61)).toBeNull();
    expect(withTool(10, 0.59)).toMatchObject({ code: 'weak_tool', evidence: { tools: { send_email: { expected: 10, selectionAccuracy: 0.59, baseSelectionAccuracy: 0.35 } } } });
    expect(withTool(10, 0.2, '(none)')?.patch.config).toMatchObject({ synthesis: { noToolRatio: 0.4 } });
  });

  it('overfitting: a 5 % validation rise is noise, a 20 % rise a finding; a single-epoch run halves the learning rate instead', () => {
    const withRise = (rise: number) => makeCurve({ loss: healthyLoss, validation: { every: 20, loss: (t) => (t < 0.5 ? 1.5 - t : 1 + rise * (t - 0.5) * 2) } });
    expect(overfittingRule(healthyInput({ curve: withRise(0.05) }))).toBeNull();
    const input = healthyInput({ curve: withRise(0.2) });
    expect(overfittingRule(input)?.patch.config).toEqual({ training: { epochs: 2 } });
    const oneEpoch = { ...input, config: { ...input.config, training: { ...input.config.training, epochs: 1 } } };
    expect(overfittingRule(oneEpoch)?.patch.config).toEqual({ training: { learningRate: 0.0001 } });
  });

  it('overfitting: reads the evaluation only when the curve has no validation points', () => {
    const evaluation = healthyEvaluation();
    evaluation.tuned.metrics.validation_loss = 2.6; // 8 % above the base model's 2.4
    expect(overfittingRule(healthyInput({ evaluation, curve: makeCurve({ loss: healthyLoss }) }))).toMatchObject({ evidence: { baseValidationLoss: 2.4, tunedValidationLoss: 2.6 } });
    // The healthy curve's own validation points fall to the end: they outweigh the evaluation.
    expect(overfittingRule(healthyInput({ evaluation }))).toBeNull();
    evaluation.tuned.metrics.validation_loss = 2.5; // 4 %: under the threshold
    expect(overfittingRule(healthyInput({ evaluation, curve: makeCurve({ loss: healthyLoss }) }))).toBeNull();
  });

  it('learning rate too low and underfitting do not both claim the same curve', () => {
    const slow = healthyInput({ curve: makeCurve({ loss: (t) => 2.5 - 0.2 * t, noise: 0.002 }) });
    expect(learningRateTooLowRule(slow)).not.toBeNull();
    expect(underfittingRule(slow)).toBeNull();
    const flat = healthyInput({ curve: makeCurve({ loss: () => 2.4 }) });
    expect(learningRateTooLowRule(flat)).toBeNull();
    expect(underfittingRule(flat)).toMatchObject({ severity: 'medium', evidence: { curve: { plateaued: true } } });
  });

  it('a noisy but healthy curve (8 % batch noise) is not "learning rate too high"', () => {
    expect(learningRateTooHighRule(healthyInput({ curve: makeCurve({ loss: healthyLoss, noise: 0.08 }) }))).toBeNull();
  });

  it('static tool sets need ten samples offering the same two or more tools', () => {
    const fewStatic = chatRecords({ perTool: { get_weather: 3, search_web: 3 }, noTool: 2, toolSets: 'static' });
    expect(staticToolSetRule(healthyInput({ data: dataFrom(fewStatic) }))).toBeNull();
    const oneTool = chatRecords({ perTool: { get_weather: 30 }, noTool: 20, toolSets: 'static' });
    expect(staticToolSetRule(healthyInput({ data: dataFrom(oneTool) }))).toBeNull();
  });
});

describe('long curves', () => {
  const long = { steps: 20_000 };

  // Trend measures run on a bucketed curve and smoothing windows are capped, so the longest curve a request may
  // carry costs about as much as a short one — and must still read the same.
  it('diagnoses a 20,000-point curve as the short one', () => {
    expect(diagnose(healthyInput({ curve: makeCurve({ ...long, loss: healthyLoss }), totalSteps: 20_000 }))).toEqual([]);
    expect(diagnose(healthyInput({ curve: makeCurve({ ...long, loss: (t) => 2.5 - 0.2 * t, noise: 0.002 }), totalSteps: 20_000 }))[0]?.code).toBe('learning_rate_too_low');
    expect(diagnose(healthyInput({ curve: makeCurve({ ...long, loss: (t, step) => healthyLoss(t) * (step % 2 ? 1.35 : 0.7) }), totalSteps: 20_000 }))[0]?.code).toBe('learning_rate_too_high');
  });
});
