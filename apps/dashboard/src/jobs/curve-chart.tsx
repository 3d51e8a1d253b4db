import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatNumber } from '../ui/format';
import { latest } from './training-curves';

const COMPACT = new Intl.NumberFormat(undefined, { notation: 'compact', maximumSignificantDigits: 3 });

/** An axis tick: short enough for the axis (12K tokens/s, 0.003 learning rate). */
function compact(value: number | null): string {
  if (value === null) return '';
  return Math.abs(value) >= 1000 || value === 0 ? COMPACT.format(value) : String(Number(value.toPrecision(3)));
}

/** Line colours that keep a 4.5:1 contrast on white and stay apart for common colour blindness (Okabe–Ito, darkened). */
const COLOURS = ['#0b5cad', '#b34700', '#1a7f4b', '#8e3b8e', '#6b5a00'];

interface Props {
  title: string;
  steps: number[];
  series: Array<{ label: string; values: Array<number | null> }>;
  /** A log scale for the y axis (losses span orders of magnitude early on). */
  logScale?: boolean;
}

/**
 * One chart of a run's curves, by step (uPlot on a canvas). The canvas is hidden from assistive technology; the caption
 * says in words what it shows and the latest value of each curve, and the table of points is one keypress away.
 */
export function CurveChart({ title, steps, series, logScale = false }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join('|');
  const drawable = logScale && series.every((s) => s.values.every((v) => v === null || v > 0));

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 280),
      height: 220,
      scales: { x: { time: false }, y: drawable ? { distr: 3 } : {} },
      axes: [{ label: 'step', stroke: '#333' }, { stroke: '#333', size: 60, values: (_plot, splits) => splits.map(compact) }],
      legend: { show: true },
      series: [{ label: 'step' }, ...series.map((s, index) => ({ label: s.label, stroke: COLOURS[index % COLOURS.length], width: 2, spanGaps: true, points: { show: s.values.filter((v) => v !== null).length < 40 } }))],
    };
    plot.current = new uPlot(options, [steps, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 280), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt when the set of curves changes; new points only update the data (below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labels, drawable]);

  useEffect(() => {
    plot.current?.setData([steps, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [steps, series]);

  const summary = series.map((s) => `${s.label} ${formatNumber(latest(s.values), 4)}`).join(', ');
  return (
    <figure className="chart" data-points={steps.length} aria-label={title}>
      <figcaption>
        <strong>{title}</strong>
        <span className="muted">
          {' '}
          · {steps.length} {steps.length === 1 ? 'step' : 'steps'}
          {steps.length > 0 ? ` · latest (step ${steps.at(-1)}): ${summary}` : ''}
        </span>
      </figcaption>
      <div ref={container} aria-hidden="true" className="chart-canvas" />
      <details>
        <summary>Data points</summary>
        <table>
          <caption className="visually-hidden">{title}, by step</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {steps.map((step, row) => (
              <tr key={step}>
                <td>{step}</td>
                {series.map((s) => (
                  <td key={s.label}>{formatNumber(s.values[row], 5)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
