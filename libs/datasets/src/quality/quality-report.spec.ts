import { join } from 'node:path';
import { collectDataset } from '../read-dataset';
import { truncateSamples } from '../tokenization/packing';
import { buildQualityReport } from './quality-report';
import { renderQualityReportHtml } from './quality-report-html';

const fixture = (name: string) => join(__dirname, '../formats/fixtures', name);

describe('quality report', () => {
  it('counts formats, roles, tools, duplicates, violations and leakage', async () => {
    const chat = await collectDataset(fixture('openai-chat.jsonl'));
    const malformed = await collectDataset(fixture('openai-chat.malformed.jsonl'));
    const react = await collectDataset(fixture('prompt-completion.jsonl'));
    const badReact = { ...react.records[1], location: { file: 'extra.jsonl', line: 9 }, sample: { prompt: 'p', completion: '\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation: 42' } };
    const records = [...chat.records, ...react.records, chat.records[0], badReact];
    const validation = [react.records[0], chat.records[2]];
    const lengths = records.map((_, i) => 10 + i * 10);
    const truncation = truncateSamples(lengths.map((n) => ({ input_ids: new Array(n).fill(1), labels: new Array(n).fill(1) })), { maxLength: 50 }).report;

    const report = buildQualityReport({ records, errors: malformed.errors, validation, tokenLengths: lengths, truncation });

    expect(report.byFormat).toEqual({ openai_chat: 4, prompt_completion: 4 });
    expect(report.byRole).toMatchObject({ system: 2, user: 5, tool: 4 });
    expect(report.toolUsage).toEqual({ get_weather: 3, calculator: 2, t: 1 });
    expect(report.toolBalance).toMatchObject({ tool: 5, noTool: 3 });
    expect(report.duplicates.exact).toEqual([{ locations: [chat.records[0].location, chat.records[0].location] }]);
    expect(report.violations.total).toBe(malformed.errors.length + 1);
    expect(report.violations.listed.at(-1)).toMatchObject({ code: 'rule_violation', file: 'extra.jsonl', line: 9, path: 'completion' });
    expect(report.leakage).toMatchObject({ validationRecords: 2, exact: 2 });
    expect(report.tokenLengths).toMatchObject({ count: 8, min: 10, max: 80 });
    expect(report.truncation).toMatchObject({ samples: 8, truncated: 3 });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('renders a self-contained HTML page with SVG charts and escaped data', async () => {
    const { records } = await collectDataset(fixture('openai-chat.jsonl'));
    const report = buildQualityReport({ records, tokenLengths: [5, 9, 12] });
    report.toolUsage['<script>alert(1)</script>'] = 1;
    const html = renderQualityReportHtml(report);
    expect(html).toContain('<svg');
    expect(html).toContain('Token length histogram');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });
});
