import type { Checkpoint } from '../api/types';
import { formatNumber, formatTime } from '../ui/format';

/** The run's checkpoints, newest first: each is a model of its own name, callable in the playground. */
export function CheckpointsTable({ checkpoints }: { checkpoints: Checkpoint[] }) {
  if (checkpoints.length === 0) return <p className="muted">No checkpoints yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Model name</th>
          <th scope="col">Metrics</th>
          <th scope="col">Saved</th>
        </tr>
      </thead>
      <tbody>
        {checkpoints.map((checkpoint) => (
          <tr key={checkpoint.id}>
            <td>{checkpoint.step_number}</td>
            <td>
              <code>{checkpoint.fine_tuned_model_checkpoint}</code>
            </td>
            <td>
              {Object.entries(checkpoint.metrics)
                .map(([name, value]) => `${name} ${formatNumber(value, 4)}`)
                .join(', ')}
            </td>
            <td>{formatTime(checkpoint.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
