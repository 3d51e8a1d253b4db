import type { CurvePoint, EvaluationMetricName, MetricValues } from '@tuneforge/contracts';
import type { ConfusionMatrix } from '../agent/agent-metrics';
import { escapeHtml, formatValue } from './html-escape';

export const BASE_COLOR = '#8a94a6';
export const TUNED_COLOR = '#2f6fde';

/** BLEU and chrF are on sacrebleu's 0–100 scale; loss and perplexity have no upper bound; the rest are rates. */
const PERCENT_SCALE = new Set<string>(['bleu', 'chrf']);
const UNBOUNDED = new Set<string>(['validation_loss', 'perplexity']);
/** The preference margins (nats) have no bound either way and improve upwards; a negative one draws as an empty bar. */
const MARGINS = new Set<string>(['logprob_margin', 'reward_margin']);

/** Where a metric's bar ends: its scale's maximum, or the larger of the two values for unbounded ones. */
function scaleMax(name: string, base: number | undefined, tuned: number | undefined): number {
  if (PERCENT_SCALE.has(name)) return 100;
  if (UNBOUNDED.has(name) || MARGINS.has(name)) return Math.max(base ?? 0, tuned ?? 0, 1e-9);
  return 1;
}

/**
 * Grouped horizontal bars, one pair per metric (base grey, tuned blue), each metric on its own scale
 * (noted at the right) so that rates, BLEU and losses share one chart. Lower is better for losses.
 */
export function metricBarsSvg(base: MetricValues, tuned: MetricValues, order: readonly EvaluationMetricName[]): string {
  const names = order.filter((name) => base[name] !== undefined || tuned[name] !== undefined);
  const labelWidth = 170;
  const barWidth = 360;
  const rowHeight = 40;
  const width = labelWidth + barWidth + 170;
  const height = 30 + names.length * rowHeight;
  const rows = names.map((name, i) => {
    const y = 26 + i * rowHeight;
    const max = scaleMax(name, base[name], tuned[name]);
    const bar = (value: number | undefined, dy: number, color: string, who: string) => {
      const w = value === undefined ? 0 : Math.max(1, Math.min(1, value / max) * barWidth);
      return `<rect class="bar ${who}" x="${labelWidth}" y="${y + dy}" width="${w.toFixed(1)}" height="14" fill="${color}"><title>${who} ${escapeHtml(name)}: ${formatValue(value)}</title></rect>` +
        `<text x="${labelWidth + w + 4}" y="${y + dy + 11}" font-size="11">${formatValue(value)}</text>`;
    };
    const scale = UNBOUNDED.has(name) ? 'lower is better' : MARGINS.has(name) ? 'nats, higher is better' : PERCENT_SCALE.has(name) ? '0–100' : '0–1';
    return `<g class="metric" data-metric="${escapeHtml(name)}"><text x="0" y="${y + 17}" font-size="12">${escapeHtml(name)}</text>` +
      bar(base[name], 0, BASE_COLOR, 'base') + bar(tuned[name], 16, TUNED_COLOR, 'tuned') +
      `<text x="${width - 4}" y="${y + 17}" font-size="10" text-anchor="end" fill="#666">${scale}</text></g>`;
  });
  const legend = `<rect x="${labelWidth}" y="4" width="12" height="12" fill="${BASE_COLOR}"/><text x="${labelWidth + 16}" y="14" font-size="12">base</text>` +
    `<rect x="${labelWidth + 70}" y="4" width="12" height="12" fill="${TUNED_COLOR}"/><text x="${labelWidth + 86}" y="14" font-size="12">tuned</text>`;
  return `<svg class="chart metric-bars" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="metrics, base vs tuned">${legend}${rows.join('')}</svg>`;
}

/**
 * The per-tool confusion matrix as a heatmap: rows are the expected action (a tool, or `(none)` for an
 * answer), columns what the model did; a cell's shade is its share of the row, the diagonal in blue.
 */
export function confusionHeatmapSvg(matrix: ConfusionMatrix): string {
  const rows = Object.keys(matrix).sort();
  const columns = [...new Set([...rows, ...rows.flatMap((row) => Object.keys(matrix[row]))])].sort();
  const cell = 44;
  const left = 140;
  const top = 110;
  const width = left + columns.length * cell + 10;
  const height = top + rows.length * cell + 10;
  const header = columns
    .map((column, j) => `<text transform="translate(${left + j * cell + cell / 2},${top - 6}) rotate(-45)" font-size="11">${escapeHtml(column)}</text>`)
    .join('');
  const body = rows
    .map((row, i) => {
      const total = Object.values(matrix[row]).reduce((a, b) => a + b, 0);
      const cells = columns.map((column, j) => {
        const count = matrix[row][column] ?? 0;
        const share = total === 0 ? 0 : count / total;
        const hue = row === column ? '47,111,222' : '214,69,65';
        const x = left + j * cell;
        const y = top + i * cell;
        return `<rect class="cell" x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="rgba(${hue},${(0.08 + 0.92 * share).toFixed(3)})"><title>expected ${escapeHtml(row)}, predicted ${escapeHtml(column)}: ${count}</title></rect>` +
          `<text x="${x + cell / 2 - 1}" y="${y + cell / 2 + 4}" font-size="12" text-anchor="middle">${count}</text>`;
      });
      return `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" font-size="11" text-anchor="end">${escapeHtml(row)}</text>${cells.join('')}`;
    })
    .join('');
  return `<svg class="chart confusion" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="tool confusion matrix">` +
    `<text x="4" y="14" font-size="11" fill="#666">rows: expected · columns: predicted</text>${header}${body}</svg>`;
}

export const VALIDATION_COLOR = '#d9822b';

/**
 * The training curve: the loss per step as a line (grey dots where a step's loss was not a number), the
 * validation losses measured at checkpoints as orange points, on one loss axis from 0 to the largest loss.
 */
export function lossCurveSvg(curve: readonly CurvePoint[]): string {
  const { width, height, left, plotWidth, plotHeight } = LINE_CHART;
  const losses = curve.flatMap((p) => [p.loss, p.validationLoss ?? null]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const maxLoss = Math.max(...losses, 1e-9);
  const lastStep = Math.max(...curve.map((p) => p.step), 1);
  const x = (step: number) => left + (step / lastStep) * plotWidth;
  const y = (loss: number) => 16 + plotHeight - (loss / maxLoss) * plotHeight;
  const training = curve.filter((p) => typeof p.loss === 'number' && Number.isFinite(p.loss));
  const line = training.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.loss as number).toFixed(1)}`).join('');
  const notANumber = curve.filter((p) => p.loss === null).map((p) => `<circle class="nan" cx="${x(p.step).toFixed(1)}" cy="${16 + plotHeight}" r="3" fill="${BASE_COLOR}"><title>step ${p.step}: loss not a number</title></circle>`);
  const validation = curve
    .filter((p) => typeof p.validationLoss === 'number')
    .map((p) => `<circle class="validation" cx="${x(p.step).toFixed(1)}" cy="${y(p.validationLoss as number).toFixed(1)}" r="4" fill="${VALIDATION_COLOR}"><title>step ${p.step}: validation loss ${formatValue(p.validationLoss as number)}</title></circle>`);
  const axes = lineChartAxes(formatValue(maxLoss), '0', lastStep, 'training loss (blue), validation loss (orange)');
  return `<svg class="chart loss-curve" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="training and validation loss per step">${axes}<path class="training" d="${line}" fill="none" stroke="${TUNED_COLOR}" stroke-width="1.5"/>${notANumber.join('')}${validation.join('')}</svg>`;
}

/** The frame of the per-step line charts (loss, reward): 640 × 240, the plot 16 from the top, 28 over the step axis. */
export const LINE_CHART = { width: 640, height: 240, left: 48, plotWidth: 640 - 48 - 12, plotHeight: 240 - 28 - 16 };

/** A line chart's axes: the value axis labelled at its top and bottom, the step axis up to `lastStep`, and a caption. */
export function lineChartAxes(top: string, bottom: string, lastStep: number, caption: string): string {
  const { height, left, plotWidth, plotHeight } = LINE_CHART;
  return (
    `<line x1="${left}" y1="${16 + plotHeight}" x2="${left + plotWidth}" y2="${16 + plotHeight}" stroke="#999"/><line x1="${left}" y1="16" x2="${left}" y2="${16 + plotHeight}" stroke="#999"/>` +
    `<text x="${left - 4}" y="20" font-size="10" text-anchor="end">${top}</text><text x="${left - 4}" y="${16 + plotHeight}" font-size="10" text-anchor="end">${bottom}</text>` +
    `<text x="${left + plotWidth}" y="${height - 8}" font-size="10" text-anchor="end">step ${lastStep}</text><text x="${left}" y="${height - 8}" font-size="10">${caption}</text>`
  );
}
