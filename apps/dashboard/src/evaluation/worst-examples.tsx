import type { WorstExample } from '../api/report-types';
import { formatNumber } from '../ui/format';

/** The examples the tuned model did worst on, with what it wrote next to the reference. */
export function WorstExamples({ examples }: { examples: WorstExample[] }) {
  if (examples.length === 0) return <p className="muted">No per-example scores in this report.</p>;
  return (
    <ol className="worst">
      {examples.map((example) => (
        <li key={`${example.index}-${example.metric}`} className="card">
          <p>
            Example {example.index + 1} · {example.metric}: base {formatNumber(example.base)}, tuned {formatNumber(example.tuned)}
          </p>
          <p>
            <strong>Request:</strong> {example.prompt}
          </p>
          <div className="side-by-side">
            <div>
              <h3>Reference</h3>
              <pre className="code">{example.reference}</pre>
            </div>
            <div>
              <h3>Tuned model</h3>
              <pre className="code">{example.output}</pre>
            </div>
          </div>
        </li>
      ))}
    </ol>
  );
}
