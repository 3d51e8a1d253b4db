import { EVALUATION_METRIC_NAMES, type ModelEvaluation } from '@tuneforge/contracts';
import type { EvaluationReport } from '../evaluation/evaluation-report';
import { escapeHtml, formatValue } from './html-escape';
import { confusionHeatmapSvg, metricBarsSvg, lossCurveSvg } from './svg-charts';
import { reinforcementSection } from './reinforcement-html';

const STYLE = `body{font-family:system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dde;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #dde;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f9}.num{text-align:right;font-variant-numeric:tabular-nums}.better{color:#137333}.worse{color:#b3261e}
pre{white-space:pre-wrap;margin:0;font-size:12px;max-width:420px}.muted{color:#666;font-size:12px}`;

/** Losses and perplexity improve downwards; every other metric (the preference margins too) upwards. */
const LOWER_IS_BETTER = new Set(['validation_loss', 'perplexity']);

function metricsTable(base: ModelEvaluation, tuned: ModelEvaluation): string {
  const names = EVALUATION_METRIC_NAMES.filter((name) => base.metrics[name] !== undefined || tuned.metrics[name] !== undefined);
  const rows = names.map((name) => {
    const b = base.metrics[name];
    const t = tuned.metrics[name];
    const delta = b !== undefined && t !== undefined ? t - b : undefined;
    const good = delta !== undefined && delta !== 0 && (LOWER_IS_BETTER.has(name) ? delta < 0 : delta > 0);
    const cls = delta === undefined || delta === 0 ? '' : good ? 'better' : 'worse';
    return `<tr><td>${name}</td><td class="num">${formatValue(b)}</td><td class="num">${formatValue(t)}</td><td class="num ${cls}">${delta === undefined ? '—' : (delta > 0 ? '+' : '') + formatValue(delta)}</td></tr>`;
  });
  return `<table class="metrics"><tr><th>metric</th><th>base</th><th>tuned</th><th>change</th></tr>${rows.join('')}</table>`;
}

function perToolTable(base: ModelEvaluation, tuned: ModelEvaluation): string {
  const tools = [...new Set([...Object.keys(base.per_tool), ...Object.keys(tuned.per_tool)])].sort();
  if (tools.length === 0) return '';
  const rows = tools.map((tool) => {
    const b = base.per_tool[tool];
    const t = tuned.per_tool[tool];
    return `<tr><td>${escapeHtml(tool)}</td><td class="num">${b?.expected ?? t?.expected ?? 0}</td>` +
      `<td class="num">${formatValue(b?.selection_accuracy)}</td><td class="num">${formatValue(t?.selection_accuracy)}</td>` +
      `<td class="num">${formatValue(b?.argument_accuracy)}</td><td class="num">${formatValue(t?.argument_accuracy)}</td>` +
      `<td class="num">${b?.predicted ?? 0}</td><td class="num">${t?.predicted ?? 0}</td></tr>`;
  });
  return `<table class="per-tool"><tr><th>tool</th><th>expected</th><th>selection base</th><th>selection tuned</th><th>arguments base</th><th>arguments tuned</th><th>chosen base</th><th>chosen tuned</th></tr>${rows.join('')}</table>`;
}

/** Preference pairs: the two models' metrics are in the metrics table; here each pair's log-probs, base and tuned. */
function preferenceSection(report: EvaluationReport): string {
  const p = report.preference;
  if (!p) return '';
  const shown = p.perPair.slice(0, 50);
  const prefers = (s: { chosen: number; rejected: number }) => (s.chosen > s.rejected ? '<span class="better">chosen</span>' : '<span class="worse">rejected</span>');
  const rows = shown.map(
    (pair) =>
      `<tr><td class="num">${pair.source.line}</td><td><pre>${escapeHtml(pair.prompt)}</pre></td><td><pre>${escapeHtml(pair.chosen)}</pre></td><td><pre>${escapeHtml(pair.rejected)}</pre></td>` +
      `<td class="num">${formatValue(pair.base.chosen - pair.base.rejected)}</td><td>${prefers(pair.base)}</td>` +
      `<td class="num">${formatValue(pair.tuned.chosen - pair.tuned.rejected)}</td><td>${prefers(pair.tuned)}</td><td class="num">${formatValue(pair.rewardMargin)}</td></tr>`,
  );
  const metric = (name: keyof typeof p.definitions) => `<li><b>${name}</b>: ${escapeHtml(p.definitions[name])}</li>`;
  return `<h2>Preference pairs (${p.pairs}, β = ${formatValue(p.beta)})</h2>
<p>Preference accuracy: base ${formatValue(p.base.preference_accuracy)}, tuned ${formatValue(p.tuned.preference_accuracy)} · reward margin (tuned against base): ${formatValue(p.tuned.reward_margin)} · reward accuracy: ${formatValue(p.tuned.reward_accuracy)}</p>
<ul class="muted">${metric('preference_accuracy')}${metric('logprob_margin')}${metric('reward_accuracy')}${metric('reward_margin')}</ul>
<table class="preference"><tr><th>line</th><th>prompt</th><th>chosen</th><th>rejected</th><th>base log p(chosen) − log p(rejected)</th><th>base prefers</th><th>tuned log p(chosen) − log p(rejected)</th><th>tuned prefers</th><th>reward margin</th></tr>${rows.join('')}</table>
${p.perPair.length > shown.length ? `<p class="muted">The first ${shown.length} of ${p.perPair.length} pairs; report.json has them all.</p>` : ''}`;
}

function worstTable(report: EvaluationReport): string {
  if (report.worstExamples.length === 0) return '<p class="muted">No example was scored.</p>';
  const rows = report.worstExamples.map(
    (w) =>
      `<tr><td class="num">${w.index + 1}</td><td>${escapeHtml(w.metric)}</td><td class="num">${formatValue(w.base)}</td><td class="num">${formatValue(w.tuned)}</td>` +
      `<td><pre>${escapeHtml(w.prompt)}</pre></td><td><pre>${escapeHtml(w.reference)}</pre></td><td><pre>${escapeHtml(w.output)}</pre></td></tr>`,
  );
  return `<table class="worst"><tr><th>#</th><th>metric</th><th>base</th><th>tuned</th><th>prompt</th><th>reference</th><th>tuned output</th></tr>${rows.join('')}</table>`;
}

/**
 * The evaluation as one self-contained HTML page (inline CSS and SVG, no script, no external resource):
 * the training curve (when the request carried it), metric bars base vs tuned, the metrics table, per-tool accuracy and confusion heatmaps for agent tasks,
 * a reinforcement job's reward curve, held-out episodes and training rollouts, the worst examples. Every piece of model or user text is escaped.
 */
export function renderReportHtml(report: EvaluationReport): string {
  const { summary } = report;
  const title = `Evaluation — job ${report.jobId}, iteration ${report.iteration}`;
  const agent = report.agent
    ? `<h2>Agent evaluation (${escapeHtml(report.agent.format)}, ${report.agent.episodes} episode(s))</h2>` +
      perToolTable(summary.base, summary.tuned) +
      `<p class="muted">Expectations met (reference call with its arguments made during the run): base ${report.agent.base.expectations.passed}/${report.agent.base.expectations.total}, tuned ${report.agent.tuned.expectations.passed}/${report.agent.tuned.expectations.total}.</p>` +
      `<h3>Base model</h3>${confusionHeatmapSvg(report.agent.base.confusion)}<h3>Tuned model</h3>${confusionHeatmapSvg(report.agent.tuned.confusion)}`
    : '';
  const notComputed = report.notComputed.length
    ? `<p class="muted">Not computed: ${report.notComputed.map((n) => `${escapeHtml(n.metric)} (${escapeHtml(n.reason)})`).join('; ')}.</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Base ${escapeHtml(report.models.base)} · tuned ${escapeHtml(report.models.tuned)} · ${summary.examples} example(s) from ${escapeHtml(report.evaluationSet.source)} (${report.evaluationSet.available} available) · decoding: temperature ${report.settings.temperature}, at most ${report.settings.maxNewTokens} new tokens · task ${escapeHtml(report.taskId)}</p>
${report.trainingCurve.length ? `<h2>Training curve</h2>\n${lossCurveSvg(report.trainingCurve)}` : ''}
<h2>Metrics</h2>
${metricBarsSvg(summary.base.metrics, summary.tuned.metrics, EVALUATION_METRIC_NAMES)}
${metricsTable(summary.base, summary.tuned)}
${notComputed}
${agent}
${preferenceSection(report)}
${reinforcementSection(report)}
${report.examples.length || !(report.preference || report.reinforcement) ? `<h2>Worst examples (tuned model)</h2>\n${worstTable(report)}` : ''}
</body></html>
`;
}
