import { useId, useState } from 'react';
import type { JobEvent } from '../api/types';
import { CurveChart } from './curve-chart';
import { CURVE_GROUPS, curvesFromEvents, rewardMetrics, type RunCurves } from './training-curves';

function chartSeries(run: RunCurves, names: readonly string[]) {
  return names.filter((name) => run.series[name]).map((name) => ({ label: name, values: run.series[name] }));
}

/** The live curves of a job's runs (one per iteration): loss, reward when the run reports one, learning rate, tokens/s. */
export function CurvesPanel({ events }: { events: JobEvent[] }) {
  const runs = curvesFromEvents(events);
  const [chosen, setChosen] = useState<string | null>(null);
  const selectId = useId();
  const run = runs.find((r) => r.runId === chosen) ?? runs.at(-1);
  if (!run) return <p className="muted">No training steps yet: the curves fill in as the run reports its steps.</p>;
  const rewards = rewardMetrics(run);
  return (
    <div>
      {runs.length > 1 && (
        <div className="field inline-field">
          <label htmlFor={selectId}>Run</label>
          <select id={selectId} value={run.runId} onChange={(e) => setChosen(e.target.value)}>
            {runs.map((r, index) => (
              <option key={r.runId} value={r.runId}>
                Iteration {index + 1} ({r.runId})
              </option>
            ))}
          </select>
        </div>
      )}
      <p className="muted">
        Step {run.steps.at(-1)} of {run.totalSteps ?? '?'}
      </p>
      <div className="charts">
        <CurveChart title="Loss" steps={run.steps} series={chartSeries(run, CURVE_GROUPS.loss)} logScale />
        {rewards.length > 0 && <CurveChart title="Reward" steps={run.steps} series={chartSeries(run, rewards)} />}
        <CurveChart title="Learning rate" steps={run.steps} series={chartSeries(run, CURVE_GROUPS.learningRate)} />
        <CurveChart title="Tokens per second" steps={run.steps} series={chartSeries(run, CURVE_GROUPS.throughput)} />
      </div>
    </div>
  );
}
