import { chatRecords, dataReportFile, jobTools, reactRecords, TOOL_NAMES, truncationReport } from '../testing/synthetic-runs';
import { summarizeData } from './summarize-data';

describe('summarizeData', () => {
  it('counts reference 000 defects over every ReAct sample, once per sample and rule, with the first lines', () => {
    const records = reactRecords({ tool: 150, noTool: 50, missingStop: 4, predictedObservation: 120 });
    const report = dataReportFile(records);
    // The quality report lists only the first hundred violations; the summary counts them all.
    expect(report.report).toMatchObject({ records: 200 });
    const data = summarizeData(report, records, jobTools());
    expect(data.reactSamples).toBe(200);
    expect(data.reactToolSamples).toBe(150);
    expect(data.reactDefects.stop_at_observation).toEqual({ count: 4, examples: [1, 2, 3, 4].map((line) => ({ file: 'train.jsonl', line })) });
    expect(data.reactDefects.predicted_observation.count).toBe(120);
    expect(data.reactDefects.predicted_observation.examples).toHaveLength(5);
    expect(data.reactDefects.predicted_observation.examples[0]).toEqual({ file: 'train.jsonl', line: 5 });
    expect(data.toolBalance).toEqual({ tool: 150, noTool: 50, toolShare: 0.75, balanced: true });
  });

  it('reads the tools a chat sample offers and the job tools a ReAct prompt lists', () => {
    const mixed = chatRecords({ perTool: { get_weather: 12, search_web: 12 }, noTool: 6, toolSets: 'varied' });
    const varied = summarizeData(dataReportFile(mixed), mixed, jobTools());
    expect(varied.offeredTools.samplesOffering).toBe(30);
    expect(varied.offeredTools.distinctSets).toBeGreaterThan(1);

    const same = chatRecords({ perTool: { get_weather: 12, search_web: 12 }, noTool: 6, toolSets: 'static' });
    expect(summarizeData(dataReportFile(same), same, jobTools()).offeredTools).toEqual({ samplesOffering: 30, distinctSets: 1, toolNames: ['get_weather', 'search_web'] });

    const react = reactRecords({ tool: 8, noTool: 4 });
    const offered = summarizeData(dataReportFile(react), react, jobTools()).offeredTools;
    expect(offered.samplesOffering).toBe(12);
    expect(offered.toolNames).toEqual([...TOOL_NAMES].sort());
    // A ReAct prompt offers nothing the debugger can see when the job declares no tools.
    expect(summarizeData(dataReportFile(react), react, []).offeredTools).toEqual({ samplesOffering: 0, distinctSets: 0, toolNames: [] });
  });

  it('carries the truncation rate and token lengths of the report', () => {
    const records = chatRecords({ perTool: { get_weather: 10 }, noTool: 10 });
    const data = summarizeData(dataReportFile(records, { truncation: truncationReport(20, 5), tokenLengths: records.map((_, i) => 100 + i) }), records, jobTools());
    expect(data.truncation).toEqual({ samples: 20, truncated: 5, dropped: 0, truncationRate: 0.25 });
    expect(data.tokenLengths).toEqual({ max: 119, p95: 119, mean: 109.5 });
    expect(summarizeData(dataReportFile(records), records, jobTools())).not.toHaveProperty('truncation');
  });
});
