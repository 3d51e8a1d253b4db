import type { QualityReport } from './quality-report';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

interface Bar {
  label: string;
  value: number;
}

/** A horizontal bar chart as inline SVG, so the page is one self-contained file with no scripts. */
function barChart(title: string, bars: Bar[]): string {
  if (bars.length === 0) return '';
  const rowHeight = 22;
  const labelWidth = 180;
  const chartWidth = 420;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars
    .map((bar, i) => {
      const width = Math.round((bar.value / max) * chartWidth);
      const y = i * rowHeight;
      return (
        `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(bar.label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${width}" height="${rowHeight - 6}" fill="#4f7cac"/>` +
        `<text x="${labelWidth + width + 4}" y="${y + 15}">${bar.value}</text>`
      );
    })
    .join('');
  const height = bars.length * rowHeight;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" width="${labelWidth + chartWidth + 60}" height="${height}" font-size="12" font-family="sans-serif">${rows}</svg></figure>`;
}

const entries = (counts: Record<string, number>): Bar[] => Object.entries(counts).map(([label, value]) => ({ label, value }));

function table(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  if (rows.length === 0) return '<p>None.</p>';
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c === undefined ? '' : String(c))}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** The quality report as a standalone HTML page with inline SVG charts; every value from the data is escaped. */
export function renderQualityReportHtml(report: QualityReport, title = 'Dataset quality report'): string {
  const sections: string[] = [];
  sections.push(
    table(
      ['records', 'errors', 'tool samples', 'no-tool samples', 'exact duplicates', 'near-duplicate pairs'],
      [[report.records, report.errorCount, report.toolBalance.tool, report.toolBalance.noTool, report.duplicates.exactRecords, report.duplicates.nearPairs]],
    ),
  );
  if (!report.toolBalance.balanced) sections.push('<p class="warn">Tool and no-tool samples are unbalanced.</p>');
  sections.push(barChart('Records per format', entries(report.byFormat)));
  sections.push(barChart('Messages per role', entries(report.byRole)));
  sections.push(barChart('Tool calls per tool', entries(report.toolUsage)));
  if (report.tokenLengths) {
    const t = report.tokenLengths;
    sections.push(`<p>Token lengths: min ${t.min}, median ${t.p50}, p95 ${t.p95}, max ${t.max}, mean ${t.mean.toFixed(1)}.</p>`);
    sections.push(barChart('Token length histogram', t.histogram.map((b) => ({ label: `${b.from}–${b.to - 1}`, value: b.count }))));
  }
  if (report.truncation) {
    const t = report.truncation;
    sections.push(`<p>Truncated ${t.truncated} of ${t.samples} samples (${(t.truncationRate * 100).toFixed(1)} %), ${t.tokensCut} tokens cut, ${t.labeledTokensCut} of them trained tokens; ${t.dropped} samples dropped.</p>`);
  }
  if (report.leakage) {
    const l = report.leakage;
    sections.push(`<h2>Train/validation leakage</h2><p>${l.exact} exact and ${l.near} near duplicates of training records among ${l.validationRecords} validation records.</p>`);
    sections.push(table(['train', 'validation', 'similarity'], l.pairs.map((p) => [`${p.train.file}:${p.train.line}`, `${p.validation.file}:${p.validation.line}`, p.similarity.toFixed(2)])));
  }
  sections.push('<h2>Format violations</h2>');
  sections.push(table(['file', 'line', 'row', 'field', 'expected', 'code'], report.violations.listed.map((v) => [v.file, v.line, v.row, v.path, v.expected, v.code])));
  if (report.violations.total > report.violations.listed.length) sections.push(`<p>…and ${report.violations.total - report.violations.listed.length} more.</p>`);
  sections.push('<h2>Duplicates</h2>');
  sections.push(table(['kind', 'locations', 'similarity'], [
    ...report.duplicates.exact.map((g) => ['exact', g.locations.map((l) => `${l.file}:${l.line}`).join(', '), '1.00']),
    ...report.duplicates.near.map((g) => ['near', g.locations.map((l) => `${l.file}:${l.line}`).join(', '), g.similarity?.toFixed(2)]),
  ]));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}figure{margin:1em 0}figcaption{font-weight:bold}.warn{color:#a33}</style></head><body><h1>${escapeHtml(title)}</h1>${sections.join('\n')}</body></html>\n`;
}
