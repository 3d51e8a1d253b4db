import type { EvaluationReport } from '../evaluation/evaluation-report';
import { renderReportHtml } from './report-html';

function report(overrides: Partial<EvaluationReport> = {}): EvaluationReport {
  return {
    kind: 'evaluation-report',
    version: 1,
    jobId: 'ftjob-1',
    taskId: 'eval-1',
    iteration: 2,
    models: { base: 'models/base', tuned: 'jobs/ftjob-1/merged' },
    evaluationSet: { source: 'jobs/ftjob-1/dataset/validation.jsonl', available: 10, evaluated: 2, skippedPreferencePairs: 0, withoutReference: 0 },
    settings: { enabled: true, maxExamples: 2, metrics: ['token_f1', 'bleu', 'validation_loss'], maxNewTokens: 16, agentTurnLimit: 2, temperature: 0, maxSequenceLength: 512 },
    notComputed: [],
    summary: {
      examples: 2,
      agent_episodes: 2,
      base: { metrics: { token_f1: 0.25, bleu: 12.5, validation_loss: 2.5, perplexity: 12.18, tool_selection_accuracy: 0.5 }, per_tool: { get_weather: { expected: 2, predicted: 1, selection_accuracy: 0.5, argument_accuracy: 0 } } },
      tuned: { metrics: { token_f1: 0.75, bleu: 40, validation_loss: 1.2, perplexity: 3.32, tool_selection_accuracy: 1 }, per_tool: { get_weather: { expected: 2, predicted: 2, selection_accuracy: 1, argument_accuracy: 0.5 } } },
    },
    examples: [],
    agent: {
      format: 'qwen',
      episodes: 2,
      base: { confusion: { get_weather: { get_weather: 1, '(none)': 1 } }, expectations: { passed: 0, total: 2 }, episodes: [] },
      tuned: { confusion: { get_weather: { get_weather: 2 } }, expectations: { passed: 1, total: 2 }, episodes: [] },
    },
    worstExamples: [{ index: 1, metric: 'token_f1', base: 0.5, tuned: 0, prompt: 'Weather <b>now</b>?', reference: 'Sunny', output: '<script>alert(1)</script>' }],
    trainingCurve: [],
    durationMs: 1200,
    ...overrides,
  };
}

describe('renderReportHtml', () => {
  it('draws metric bars and confusion heatmaps inline, with no script and nothing loaded from elsewhere', () => {
    const html = renderReportHtml(report());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg class="chart metric-bars"');
    expect(html.match(/<svg class="chart confusion"/g)).toHaveLength(2);
    // One pair of bars per metric present; absent metrics get no row.
    for (const metric of ['token_f1', 'bleu', 'validation_loss', 'perplexity', 'tool_selection_accuracy']) expect(html).toContain(`data-metric="${metric}"`);
    expect(html).not.toContain('data-metric="rouge1"');
    expect(html).toContain('<title>tuned token_f1: 0.75</title>');
    expect(html).not.toMatch(/<script|(src|href)="/i);
  });

  it('marks changes in the right direction (losses improve downwards) and escapes model and user text', () => {
    const html = renderReportHtml(report());
    expect(html).toContain('<td>validation_loss</td><td class="num">2.5</td><td class="num">1.2</td><td class="num better">-1.3</td>');
    expect(html).toContain('<td>token_f1</td><td class="num">0.25</td><td class="num">0.75</td><td class="num better">+0.5</td>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Weather &lt;b&gt;now&lt;/b&gt;?');
    expect(html).toContain('Expectations met (reference call with its arguments made during the run): base 0/2, tuned 1/2.');
  });

  it('leaves the agent section out for text-only evaluations and says which metrics could not be computed', () => {
    const html = renderReportHtml(report({ agent: undefined, notComputed: [{ metric: 'semantic_similarity', reason: 'no embeddings endpoint is configured' }] }));
    expect(html).not.toContain('class="chart confusion"');
    expect(html).toContain('Not computed: semantic_similarity (no embeddings endpoint is configured).');
  });

  it('charts the training curve when the request carried one: the loss line, validation points, steps whose loss was not a number', () => {
    expect(renderReportHtml(report())).not.toContain('loss-curve');
    const trainingCurve = [
      { step: 1, loss: 3, learningRate: 0.01 },
      { step: 2, loss: 2, learningRate: 0.01, validationLoss: 2.4 },
      { step: 3, loss: null, learningRate: 0.01 },
      { step: 4, loss: 1, learningRate: 0.01, validationLoss: 1.5 },
    ];
    const html = renderReportHtml(report({ trainingCurve }));
    expect(html).toContain('<h2>Training curve</h2>');
    expect(html).toMatch(/<path class="training" d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
    expect(html.match(/class="validation"/g)).toHaveLength(2);
    expect(html).toContain('step 3: loss not a number');
    expect(html).toContain('step 4: validation loss');
  });

  it("shows a reinforcement job's reward curve, both models' held-out episodes and the training rollouts step by step, escaped", () => {
    const turn = (raw: string, calls: Array<{ name: string; arguments: Record<string, unknown>; observation: string }> = []) => ({ raw, finishReason: 'eos', action: calls.length ? 'tool_calls' : 'final_answer', calls });
    const episode = (reward: number, raw: string) => ({ task: 0, line: 3, request: 'What is <b>2+3</b>?', reward, passed: reward >= 1, end: 'final_answer', finalAnswer: raw, turns: [turn('calc', [{ name: 'calculator', arguments: { expression: '2+3' }, observation: '5' }]), turn(raw)] });
    const rollout = (step: number, chain: number, reward: number, advantage: number) => ({ step, group: 0, prompt: 4, chain, task: '1+1', reward, advantage, end: 'final_answer', generatedTokens: 9, truncated: chain === 1, turns: [turn(`<i>${reward}</i>`)] });
    const trainingCurve = [
      { step: 1, loss: 0.1, learningRate: 0.01, reward: { mean: 0.25, std: 0.1, kl: 0, zeroStdGroups: 1, groups: 4, generatedTokens: 12 } },
      { step: 2, loss: 0.1, learningRate: 0.01, reward: { mean: 0.75, std: 0.2, kl: 0.01, zeroStdGroups: 0, groups: 4, generatedTokens: 10, validMean: 0.5, validPassRate: 0.5 } },
    ];
    const html = renderReportHtml(
      report({
        agent: undefined,
        worstExamples: [],
        trainingCurve,
        summary: { examples: 1, agent_episodes: 1, base: { metrics: { reward_mean: 0, pass_rate: 0 }, per_tool: {} }, tuned: { metrics: { reward_mean: 1, pass_rate: 1 }, per_tool: {} } },
        reinforcement: {
          grader: { type: 'string_check', name: 'sum <exact>' },
          passThreshold: 1,
          heldOut: { base: [episode(0, '6')], tuned: [episode(1, '<script>5</script>')] },
          rollouts: [rollout(1, 0, 1, 0.7), rollout(1, 1, 0, -0.7), rollout(2, 0, 1, 0)],
          recordedSteps: 2,
        },
      }),
    );
    expect(html).toContain("Reinforcement: held-out tasks scored by the job's grader (string_check “sum &lt;exact&gt;”)");
    expect(html).toContain('Mean reward: base 0, tuned 1 · pass rate (reward ≥ 1): base 0, tuned 1');
    expect(html).toContain('data-metric="reward_mean"');
    // The reward curve: a line with its std band, held-out reward where measured.
    expect(html).toContain('<svg class="chart reward-curve"');
    expect(html).toMatch(/<polygon class="std" points="[\d., ]+"/);
    expect(html.match(/class="validation"/g)).toHaveLength(1);
    expect(html).toContain('step 2: held-out reward 0.5, pass rate 0.5');
    // Held-out episodes of both models, turn by turn with the tool call and its observation.
    expect(html).toContain('<span class="worse">0</span> · final_answer · 2 turn(s)');
    expect(html).toContain('<span class="better">1</span> · final_answer · 2 turn(s)');
    expect(html).toContain('calculator(<code>{&quot;expression&quot;:&quot;2+3&quot;}</code>) → <pre>5</pre>');
    expect(html).toContain('&lt;script&gt;5&lt;/script&gt;');
    expect(html).toContain('What is &lt;b&gt;2+3&lt;/b&gt;?');
    // Rollouts, one table per recorded step, each episode with its reward and advantage.
    expect(html.match(/<table class="rollouts" data-step="\d+">/g)).toHaveLength(2);
    expect(html).toContain('<h3>Step 1 (mean reward 0.5)</h3>');
    expect(html).toContain('<td class="num better">0.7</td>');
    expect(html).toContain('<td class="num worse">-0.7</td>');
    expect(html).toContain('cut by its token budget');
    expect(html).toContain('&lt;i&gt;1&lt;/i&gt;');
    expect(html).not.toContain('Worst examples');
    expect(html).not.toMatch(/<script|(src|href)="/i);
  });

  it('draws no reward curve for runs without rewards', () => {
    expect(renderReportHtml(report({ trainingCurve: [{ step: 1, loss: 1, learningRate: 0.01 }] }))).not.toContain('reward-curve');
  });
});
