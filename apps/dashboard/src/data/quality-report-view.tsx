import type { DataReport, SourceLocation } from '../api/report-types';
import { formatNumber } from '../ui/format';

const where = (location: SourceLocation) => `${location.file}:${location.line}${location.row ? ` (row ${location.row})` : ''}`;
/** Findings listed per kind; the counts above them say how many there are in all. */
const LISTED = 20;

function Counts({ title, counts }: { title: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return null;
  return (
    <table>
      <caption>{title}</caption>
      <tbody>
        {entries.map(([name, count]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{count.toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Datagen's report on the prepared dataset: counts, duplicates, leakage, tool balance, token lengths, rule violations. */
export function QualityReportView({ report: data }: { report: DataReport }) {
  const report = data.report;
  const lengths = report.tokenLengths;
  const widest = Math.max(1, ...(lengths?.histogram ?? []).map((bucket) => bucket.count));
  return (
    <div className="quality">
      <section aria-labelledby="overview-title">
        <h2 id="overview-title">Overview</h2>
        <dl className="facts">
          <dt>Records</dt>
          <dd>{report.records.toLocaleString()}</dd>
          {data.counts && (
            <>
              <dt>Training / validation</dt>
              <dd>
                {data.counts.trainRecords.toLocaleString()} / {data.counts.validationRecords.toLocaleString()}
                {data.counts.syntheticRecords ? ` (${data.counts.syntheticRecords} synthetic)` : ''}
              </dd>
            </>
          )}
          <dt>Records with errors</dt>
          <dd>{report.errorCount.toLocaleString()}</dd>
          <dt>Tool balance</dt>
          <dd>
            {report.toolBalance.tool} with a tool call, {report.toolBalance.noTool} without ({formatNumber(report.toolBalance.toolShare * 100, 1)}% tool) ·{' '}
            {report.toolBalance.balanced ? 'balanced' : 'unbalanced: the rarer kind is under-represented'}
          </dd>
        </dl>
        <div className="side-by-side">
          <Counts title="Formats" counts={report.byFormat} />
          <Counts title="Record kinds" counts={report.byKind} />
          <Counts title="Tool usage" counts={report.toolUsage} />
        </div>
      </section>
      {lengths && (
        <section aria-labelledby="lengths-title">
          <h2 id="lengths-title">Token lengths</h2>
          <p>
            {lengths.count} records: min {lengths.min}, median {lengths.p50}, p95 {lengths.p95}, max {lengths.max}, mean {formatNumber(lengths.mean, 1)}.
          </p>
          <table className="histogram">
            <caption className="visually-hidden">Records per token length</caption>
            <thead>
              <tr>
                <th scope="col">Tokens</th>
                <th scope="col">Records</th>
              </tr>
            </thead>
            <tbody>
              {lengths.histogram.map((bucket) => (
                <tr key={bucket.from}>
                  <th scope="row">
                    {bucket.from}–{bucket.to - 1}
                  </th>
                  <td>
                    <span className="bar" style={{ width: `${(bucket.count / widest) * 100}%` }} aria-hidden="true" />
                    {bucket.count}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section aria-labelledby="duplicates-title">
        <h2 id="duplicates-title">Duplicates</h2>
        <p>
          {report.duplicates.exactRecords} exact duplicate records, {report.duplicates.nearPairs} near-duplicate pairs.
        </p>
        <ul>
          {[...report.duplicates.exact, ...report.duplicates.near].slice(0, LISTED).map((group, index) => (
            <li key={index}>
              {group.locations.map(where).join(', ')}
              {group.similarity !== undefined ? ` (similarity ${formatNumber(group.similarity, 2)})` : ' (identical)'}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="leakage-title">
        <h2 id="leakage-title">Leakage between training and validation</h2>
        {report.leakage ? (
          <>
            <p>
              Of {report.leakage.validationRecords} validation records, {report.leakage.exact} also appear in training and {report.leakage.near} nearly do.
            </p>
            <ul>
              {report.leakage.pairs.slice(0, LISTED).map((pair, index) => (
                <li key={index}>
                  validation {where(pair.validation)} ≈ training {where(pair.train)} (similarity {formatNumber(pair.similarity, 2)})
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="muted">No validation split was checked.</p>
        )}
      </section>
      <section aria-labelledby="violations-title">
        <h2 id="violations-title">Rule violations (ReAct format and schema)</h2>
        <p>{report.violations.total} in all.</p>
        {report.violations.listed.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Rule</th>
                <th scope="col">Field</th>
                <th scope="col">Expected</th>
                <th scope="col">Found</th>
              </tr>
            </thead>
            <tbody>
              {report.violations.listed.slice(0, 100).map((violation, index) => (
                <tr key={index}>
                  <td>
                    {violation.file}
                    {violation.line ? `:${violation.line}` : ''}
                  </td>
                  <td>
                    <code>{violation.code}</code>
                  </td>
                  <td>
                    <code>{violation.path || '(record)'}</code>
                  </td>
                  <td>{violation.expected}</td>
                  <td>{violation.received ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
