import type { EvaluationMetricName, Iteration } from '../api/types';
import { Link } from '../routing/router';
import { paths } from '../routing/routes';
import { formatNumber } from '../ui/format';
import { diffConfigs } from './config-diff';
import { FindingsList } from './findings-list';

const DECISIONS: Record<string, string> = {
  accepted: 'accepted: this iteration’s model is the result',
  patched: 'patched: the next iteration runs with the patch',
  patch_rejected: 'the patch was rejected',
  no_findings: 'no findings to act on',
  budget_exhausted: 'the iteration budget is spent',
  diagnosis_failed: 'the diagnosis failed',
};

const HEADLINE_METRICS: EvaluationMetricName[] = ['tool_selection_accuracy', 'argument_accuracy', 'format_validity', 'final_answer_accuracy', 'exact_match', 'token_f1', 'validation_loss'];

/** The job's loop, iteration by iteration: what changed in the configuration, what was measured, found and decided. */
export function IterationsPanel({ jobId, iterations }: { jobId: string; iterations: Iteration[] }) {
  if (iterations.length === 0) return <p className="muted">No iteration recorded yet (one is recorded when its training ends).</p>;
  return (
    <ol className="iterations">
      {iterations.map((iteration, index) => {
        const previous = index > 0 ? iterations[index - 1].trained?.config : undefined;
        const changes = previous && iteration.trained ? diffConfigs(previous, iteration.trained.config) : [];
        const summary = iteration.evaluation?.summary;
        return (
          <li key={iteration.iteration} className="card">
            <h3>Iteration {iteration.iteration}</h3>
            {iteration.trained && (
              <p>
                Trained {iteration.trained.steps} steps, final loss {formatNumber(iteration.trained.finalLoss, 4)}.
              </p>
            )}
            {index > 0 && (
              <div>
                <h4>Configuration changes from iteration {iteration.iteration - 1}</h4>
                {changes.length === 0 ? (
                  <p className="muted">None.</p>
                ) : (
                  <table className="diff">
                    <thead>
                      <tr>
                        <th scope="col">Setting</th>
                        <th scope="col">Before</th>
                        <th scope="col">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {changes.map((change) => (
                        <tr key={change.path}>
                          <td>
                            <code>{change.path}</code>
                          </td>
                          <td>
                            <del>{JSON.stringify(change.before) ?? '(unset)'}</del>
                          </td>
                          <td>
                            <ins>{JSON.stringify(change.after) ?? '(unset)'}</ins>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            )}
            {summary && (
              <p>
                Evaluated on {summary.examples} examples:{' '}
                {HEADLINE_METRICS.filter((name) => summary.tuned.metrics[name] !== undefined)
                  .map((name) => `${name} ${formatNumber(summary.base.metrics[name])} → ${formatNumber(summary.tuned.metrics[name])}`)
                  .join(', ')}
                . <Link to={`${paths.evaluation(jobId)}?iteration=${iteration.iteration}`}>Evaluation report of iteration {iteration.iteration}</Link>
              </p>
            )}
            {iteration.diagnosis && (
              <div>
                <h4>Debugger findings</h4>
                {iteration.diagnosis.explanation && <p>{iteration.diagnosis.explanation}</p>}
                <FindingsList findings={iteration.diagnosis.findings} />
              </div>
            )}
            {iteration.conclusion && (
              <p>
                <strong>Decision:</strong> {DECISIONS[iteration.conclusion.decision] ?? iteration.conclusion.decision}
                {iteration.conclusion.patch ? ` (${iteration.conclusion.patch.description})` : ''}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}
