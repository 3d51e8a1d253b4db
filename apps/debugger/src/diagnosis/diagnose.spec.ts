import { applyJobPatch, findingSchema, type Finding, type JobConfig } from '@tuneforge/contracts';
import {
  chatRecords,
  dataFrom,
  defaultConfig,
  healthyEvaluation,
  healthyInput,
  healthyLoss,
  jobTools,
  makeCurve,
  reactRecords,
  TOOL_NAMES,
  truncationReport,
} from '../testing/synthetic-runs';
import { diagnose } from './diagnose';
import type { DiagnosisInput } from './diagnosis-input';
import { DiagnosisInputError } from './diagnosis-input-error';

const config = defaultConfig();

/** One planted defect per scenario, and what the top finding must be. */
interface Scenario {
  name: string;
  input: () => DiagnosisInput;
  code: Finding['code'];
  severity: Finding['severity'];
  /** What the patched config must say. */
  patched: (patched: JobConfig) => void;
}

const scenarios: Scenario[] = [
  {
    name: 'a NaN loss half-way',
    input: () => healthyInput({ curve: healthyInput().curve.map((p) => (p.step >= 120 ? { ...p, loss: null } : p)) }),
    code: 'non_finite_loss',
    severity: 'critical',
    patched: (c) => {
      expect(c.training.learningRate).toBe(0.00006);
      expect(c.training.maxGradNorm).toBe(0.5);
    },
  },
  {
    name: 'a loss that climbs far above its start',
    input: () => healthyInput({ curve: makeCurve({ loss: (t) => (t < 0.2 ? 2.5 - t : 2.3 + 6 * (t - 0.2)), validation: { every: 20, loss: (t) => 2.5 + 5 * t } }) }),
    code: 'divergence',
    severity: 'critical',
    patched: (c) => {
      expect(c.training.learningRate).toBe(0.00006);
      expect(c.training.maxGradNorm).toBe(0.5);
    },
  },
  {
    name: 'validation loss rising while training loss falls',
    input: () => healthyInput({ curve: makeCurve({ loss: healthyLoss, validation: { every: 20, loss: (t) => 1.2 + 1.5 * (t - 0.4) ** 2 } }) }),
    code: 'overfitting',
    severity: 'high',
    // Best validation at step 80 of 200 with 3 epochs: ceil(3 × 0.4) = 2 epochs.
    patched: (c) => expect(c.training.epochs).toBe(2),
  },
  {
    name: 'no curve validation points but a tuned validation loss above the base model',
    input: () => {
      const evaluation = healthyEvaluation();
      evaluation.tuned.metrics.validation_loss = 2.9;
      return healthyInput({ curve: makeCurve({ loss: healthyLoss }), evaluation });
    },
    code: 'overfitting',
    severity: 'high',
    patched: (c) => expect(c.training.epochs).toBe(2),
  },
  {
    name: 'a flat loss and a tuned model no better than the base',
    input: () => {
      const evaluation = healthyEvaluation();
      evaluation.tuned = { ...evaluation.base };
      return healthyInput({ curve: makeCurve({ loss: () => 2.4, validation: { every: 20, loss: () => 2.5 } }), evaluation });
    },
    code: 'underfitting',
    severity: 'high',
    patched: (c) => {
      expect(c.training.epochs).toBe(6);
      expect(c.training.learningRate).toBe(0.0004);
    },
  },
  {
    name: 'a run stopped while its loss was still falling fast, its tuned model still weak at picking tools',
    input: () => {
      const evaluation = healthyEvaluation();
      evaluation.tuned = { ...evaluation.tuned, metrics: { ...evaluation.tuned.metrics, tool_selection_accuracy: 0.2 } };
      return healthyInput({ curve: makeCurve({ loss: (t) => 0.5 + 2.5 * Math.exp(-1.2 * t) }), evaluation });
    },
    code: 'underfitting',
    severity: 'high',
    patched: (c) => {
      expect(c.training.epochs).toBe(6);
      expect(c.training.learningRate).toBe(0.0002);
    },
  },
  {
    name: 'an oscillating loss with gradient norm spikes',
    input: () =>
      healthyInput({
        curve: makeCurve({ loss: (t, step) => healthyLoss(t) * (step % 2 ? 1.35 : 0.7), noise: 0.05, gradNorm: (_t, step) => (step % 15 === 0 ? 12 : 1) }),
      }),
    code: 'learning_rate_too_high',
    severity: 'high',
    patched: (c) => expect(c.training.learningRate).toBe(0.00006),
  },
  {
    name: 'a tiny, steady, still-falling loss',
    input: () => healthyInput({ curve: makeCurve({ loss: (t) => 2.5 - 0.2 * t, noise: 0.002, validation: { every: 20, loss: (t) => 2.6 - 0.2 * t } }) }),
    code: 'learning_rate_too_low',
    severity: 'medium',
    patched: (c) => expect(c.training.learningRate).toBe(0.0006),
  },
  {
    name: 'ReAct tool samples that write the observation themselves',
    input: () => healthyInput({ data: dataFrom(reactRecords({ tool: 60, noTool: 40, predictedObservation: 12 })) }),
    code: 'predicted_observation',
    severity: 'critical',
    patched: (c) => {
      expect(c.synthesis.enabled).toBe(true);
      expect(c.synthesis.samples).toBe(60);
      expect(c.data.agentTokens).toBe(true);
    },
  },
  {
    name: 'ReAct tool samples that do not stop at \\nObservation:',
    input: () => healthyInput({ data: dataFrom(reactRecords({ tool: 60, noTool: 40, missingStop: 9 })) }),
    code: 'missing_observation_stop',
    severity: 'high',
    patched: (c) => {
      expect(c.synthesis.enabled).toBe(true);
      expect(c.synthesis.samples).toBe(60);
      expect(c.data.agentTokens).toBe(true);
    },
  },
  {
    name: 'almost only tool calls',
    input: () => healthyInput({ data: dataFrom(chatRecords({ perTool: Object.fromEntries(TOOL_NAMES.map((n) => [n, 25])), noTool: 5 })) }),
    code: 'tool_imbalance',
    severity: 'medium',
    // (0.3 × 105 − 5) / (0.6 − 0.3) = 88.33 → 89 samples, 60 % of them without a tool.
    patched: (c) => expect(c.synthesis).toMatchObject({ enabled: true, samples: 89, noToolRatio: 0.6 }),
  },
  {
    name: 'every sample offering the same tools',
    input: () => healthyInput({ data: dataFrom(chatRecords({ perTool: Object.fromEntries(TOOL_NAMES.map((n) => [n, 15])), noTool: 40, toolSets: 'static' })) }),
    code: 'static_tool_set',
    severity: 'medium',
    patched: (c) => expect(c.synthesis).toMatchObject({ enabled: true, samples: 100, source: 'templates' }),
  },
  {
    name: 'a job tool with only three samples',
    input: () => healthyInput({ data: dataFrom(chatRecords({ perTool: { get_weather: 20, search_web: 20, send_email: 20, convert_currency: 3 }, noTool: 30 })) }),
    code: 'too_few_samples_per_tool',
    severity: 'medium',
    // 7 missing calls × 4 tools / (1 − 0.3 no-tool) = 40 samples.
    patched: (c) => expect(c.synthesis).toMatchObject({ enabled: true, samples: 40 }),
  },
  {
    name: 'a third of the samples cut at maxSequenceLength',
    input: () => {
      const records = chatRecords({ perTool: Object.fromEntries(TOOL_NAMES.map((n) => [n, 15])), noTool: 40 });
      return healthyInput({ data: dataFrom(records, { truncation: truncationReport(100, 33), tokenLengths: records.map((_, i) => (i < 33 ? 3000 : 900)) }) });
    },
    code: 'truncation',
    severity: 'high',
    // p95 is 3000 tokens: the next power of two, 4096, is double the 2048 limit.
    patched: (c) => expect(c.data.maxSequenceLength).toBe(4096),
  },
  {
    name: 'a tool the tuned model rarely picks',
    input: () => {
      const evaluation = healthyEvaluation();
      evaluation.tuned.per_tool.send_email = { expected: 12, predicted: 3, selection_accuracy: 0.25, argument_accuracy: 0.2 };
      return healthyInput({ evaluation });
    },
    code: 'weak_tool',
    severity: 'medium',
    patched: (c) => {
      expect(c.synthesis).toMatchObject({ enabled: true, samples: 50 });
      expect(c.data.agentTokens).toBe(true);
    },
  },
];

describe('diagnose', () => {
  it('finds nothing wrong with a healthy run: smooth decreasing loss, balanced data, good evaluation', () => {
    expect(diagnose(healthyInput())).toEqual([]);
  });

  it('finds nothing wrong with a healthy ReAct dataset either', () => {
    expect(diagnose(healthyInput({ data: dataFrom(reactRecords({ tool: 60, noTool: 40 })) }))).toEqual([]);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s: the top finding names the defect, with evidence and a patch that validates', (_name, scenario) => {
    const input = scenario.input();
    const findings = diagnose(input);
    expect(findings.length).toBeGreaterThan(0);
    if (process.env.DEBUGGER_TEST_PRINT) console.log(scenario.name, findings.map((f) => `${f.code}:${f.severity}:${f.score}`).join(' '));
    const top = findings[0];
    expect({ code: top.code, severity: top.severity }).toEqual({ code: scenario.code, severity: scenario.severity });
    expect(findingSchema.parse(top)).toEqual(top);
    expect(Object.keys(top.evidence).length).toBeGreaterThan(0);
    expect(top.patch.description.length).toBeGreaterThan(10);
    for (const finding of findings) expect(() => applyJobPatch(input.config, finding.patch.config)).not.toThrow();
    scenario.patched(applyJobPatch(input.config, top.patch.config));
  });

  it('ranks by severity, then score', () => {
    // A NaN loss (critical) and an imbalanced, truncated data set (high, medium) in one run.
    const records = chatRecords({ perTool: Object.fromEntries(TOOL_NAMES.map((n) => [n, 25])), noTool: 5 });
    const input = healthyInput({
      curve: healthyInput().curve.map((p) => (p.step === 150 ? { ...p, loss: null } : p)),
      data: dataFrom(records, { truncation: truncationReport(105, 40), tokenLengths: records.map(() => 2500) }),
    });
    const findings = diagnose(input);
    expect(findings.map((f) => f.code)).toEqual(['non_finite_loss', 'truncation', 'tool_imbalance']);
    const scores = findings.map((f) => f.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('answers the same input the same way', () => {
    const input = scenarios[2].input();
    expect(diagnose(input)).toEqual(diagnose(structuredClone(input)));
  });

  it('produces patches that validate from configs at the edges of the schema too', () => {
    const edges: JobConfig[] = [
      { ...config, training: { ...config.training, learningRate: 0.9, epochs: 100, maxGradNorm: 0.01 } },
      { ...config, training: { ...config.training, learningRate: 1e-9, epochs: 1 }, synthesis: { ...config.synthesis, enabled: true, samples: 1_000_000, noToolRatio: 1 } },
      { ...config, data: { ...config.data, maxSequenceLength: 16 } },
    ];
    const inputs = scenarios.map((s) => s.input());
    for (const edge of edges) {
      for (const base of inputs) {
        const input = { ...base, config: edge };
        const findings = diagnose(input);
        expect(findings.length).toBeGreaterThan(0);
        for (const finding of findings) expect(() => applyJobPatch(edge, finding.patch.config)).not.toThrow();
      }
    }
  });

  it('stays silent on what it cannot see: no data report, no evaluation, a curve too short to judge', () => {
    expect(diagnose(healthyInput({ data: null, evaluation: null, curve: makeCurve({ steps: 5, loss: () => 9 }) }))).toEqual([]);
  });

  it('refuses a curve out of step order, naming the point', () => {
    const curve = healthyInput().curve;
    [curve[10], curve[11]] = [curve[11], curve[10]];
    expect(() => diagnose(healthyInput({ curve }))).toThrow(DiagnosisInputError);
    expect(() => diagnose(healthyInput({ curve }))).toThrow(/curve\[11\]\.step: expected steps in increasing order, got 11 after 12/);
  });

  it('does not judge tool data for a plain text task', () => {
    const records = chatRecords({ perTool: {}, noTool: 50 });
    expect(diagnose(healthyInput({ tools: jobTools([]), data: dataFrom(records, {}, []), evaluation: null }))).toEqual([]);
  });
});
