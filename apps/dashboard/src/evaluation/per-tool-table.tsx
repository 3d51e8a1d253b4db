import type { EvaluationSummary } from '../api/types';
import { formatNumber } from '../ui/format';

/** Per tool: how often each model picked it when the reference did, and with the right arguments. */
export function PerToolTable({ summary }: { summary: EvaluationSummary }) {
  const tools = [...new Set([...Object.keys(summary.base.per_tool), ...Object.keys(summary.tuned.per_tool)])].sort();
  if (tools.length === 0) return null;
  return (
    <table>
      <caption>Per tool (“(none)”: steps that expect a final answer)</caption>
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col">Expected</th>
          <th scope="col">Selection: base</th>
          <th scope="col">Selection: tuned</th>
          <th scope="col">Arguments: base</th>
          <th scope="col">Arguments: tuned</th>
        </tr>
      </thead>
      <tbody>
        {tools.map((tool) => {
          const base = summary.base.per_tool[tool];
          const tuned = summary.tuned.per_tool[tool];
          return (
            <tr key={tool}>
              <th scope="row">{tool}</th>
              <td>{formatNumber(tuned?.expected ?? base?.expected)}</td>
              <td>{formatNumber(base?.selection_accuracy)}</td>
              <td>{formatNumber(tuned?.selection_accuracy)}</td>
              <td>{formatNumber(base?.argument_accuracy)}</td>
              <td>{formatNumber(tuned?.argument_accuracy)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
