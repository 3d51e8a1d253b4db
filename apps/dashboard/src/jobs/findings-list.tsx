import type { Finding } from '../api/types';

/** The debugger's findings, highest ranked first: what it saw (evidence) and the change it suggests (patch). */
export function FindingsList({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return <p className="muted">No findings: the debugger saw nothing to fix.</p>;
  return (
    <ol className="findings">
      {findings.map((finding) => (
        <li key={finding.code} className={`finding severity-${finding.severity}`}>
          <p>
            <span className="severity">{finding.severity}</span> <strong>{finding.title}</strong> <code>{finding.code}</code> <span className="muted">score {finding.score.toFixed(2)}</span>
          </p>
          <details>
            <summary>Evidence</summary>
            <pre className="code">{JSON.stringify(finding.evidence, null, 2)}</pre>
          </details>
          <details>
            <summary>Suggested patch: {finding.patch.description}</summary>
            <pre className="code">{JSON.stringify(finding.patch.config, null, 2)}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}
