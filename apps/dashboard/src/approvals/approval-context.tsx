import type { Approval, Finding } from '../api/types';
import { FindingsList } from '../jobs/findings-list';
import { formatNumber } from '../ui/format';

/** Context keys shown elsewhere on the card (the patch in the editor) or too large to list (the whole configuration). */
const NOT_LISTED = new Set(['patch', 'config', 'findings']);

function isFinding(value: unknown): value is Finding {
  return typeof value === 'object' && value !== null && 'code' in value && 'patch' in value && 'evidence' in value;
}

/**
 * What a question is about, as the workflow gave it: the step and loss at halfway, the metrics after an evaluation,
 * the findings and patch of a diagnosis. Numbers and words are listed; findings get their evidence and patch.
 */
export function ApprovalContext({ approval }: { approval: Approval }) {
  const entries = Object.entries(approval.context).filter(([key, value]) => !NOT_LISTED.has(key) && (typeof value !== 'object' || value === null));
  const nested = Object.entries(approval.context).filter(([key, value]) => !NOT_LISTED.has(key) && typeof value === 'object' && value !== null);
  const findings = Array.isArray(approval.context.findings) ? approval.context.findings.filter(isFinding) : [];
  return (
    <div className="approval-context">
      {entries.length > 0 && (
        <dl className="facts">
          {entries.map(([key, value]) => (
            <div key={key}>
              <dt>{key.replace(/_/g, ' ')}</dt>
              <dd>{typeof value === 'number' ? formatNumber(value, 4) : String(value)}</dd>
            </div>
          ))}
        </dl>
      )}
      {nested.map(([key, value]) => (
        <details key={key}>
          <summary>{key.replace(/_/g, ' ')}</summary>
          <pre className="code">{JSON.stringify(value, null, 2)}</pre>
        </details>
      ))}
      {findings.length > 0 && <FindingsList findings={findings} />}
    </div>
  );
}
