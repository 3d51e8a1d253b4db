import { loadDefaultConfig, type CurvePoint, type EvaluationSummary, type FunctionTool, type JobConfig } from '@tuneforge/contracts';
import { buildQualityReport, NO_TOOL_THOUGHT, REACT_STOP_SEQUENCE, TOOL_THOUGHT, type DatasetRecord, type TruncationReport } from '@tuneforge/datasets';
import type { DataReportFile } from '../data/data-report.schema';
import { summarizeData } from '../data/summarize-data';
import type { DiagnosisInput } from '../diagnosis/diagnosis-input';

/**
 * Synthetic runs for the debugger's tests: curves, datasets and evaluations that are healthy, and the same with
 * one defect planted. Seeded, so every test sees the same numbers.
 */

/** mulberry32: a tiny seeded generator, uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CurveShape {
  steps?: number;
  /** Training loss at progress t in [0, 1] (before noise). */
  loss: (t: number, step: number) => number;
  /** Relative batch noise: each loss is multiplied by 1 ± noise. */
  noise?: number;
  gradNorm?: (t: number, step: number) => number;
  /** Validation loss every `every` steps. */
  validation?: { every: number; loss: (t: number) => number };
  learningRate?: number;
  seed?: number;
}

export function makeCurve(shape: CurveShape): CurvePoint[] {
  const steps = shape.steps ?? 200;
  const random = seeded(shape.seed ?? 1);
  const noise = shape.noise ?? 0.03;
  return Array.from({ length: steps }, (_, i) => {
    const step = i + 1;
    const t = i / (steps - 1);
    const loss = shape.loss(t, step) * (1 + noise * (2 * random() - 1));
    const point: CurvePoint = { step, loss, learningRate: shape.learningRate ?? 0.0002, gradNorm: shape.gradNorm ? shape.gradNorm(t, step) : 0.8 + 0.2 * random() };
    if (shape.validation && step % shape.validation.every === 0) point.validationLoss = shape.validation.loss(t);
    return point;
  });
}

/** A good fine-tune: 2.5 → ~0.6, quick at first then levelling off, a few percent of batch noise. */
export const healthyLoss = (t: number) => 0.55 + 1.95 * Math.exp(-5 * t);

export function healthyCurve(): CurvePoint[] {
  return makeCurve({ loss: healthyLoss, validation: { every: 20, loss: (t) => 0.7 + 1.9 * Math.exp(-5 * t) } });
}

export const TOOL_NAMES = ['get_weather', 'search_web', 'send_email', 'convert_currency'] as const;

export function jobTools(names: readonly string[] = TOOL_NAMES): FunctionTool[] {
  return names.map((name) => ({ type: 'function', function: { name, description: `The ${name} tool`, parameters: { type: 'object', properties: { q: { type: 'string' } } } } }));
}

function toolDefinition(name: string) {
  return { type: 'function' as const, function: { name, parameters: { type: 'object', properties: { q: { type: 'string' } } } } };
}

/** Tool subsets that differ sample to sample, always including `called`. */
function variedToolSet(called: string | undefined, index: number, names: readonly string[]): string[] {
  const others = names.filter((n) => n !== called);
  const count = 1 + (index % others.length);
  const start = index % others.length;
  const picked = Array.from({ length: count }, (_, k) => others[(start + k) % others.length]);
  return called ? [called, ...picked.slice(0, Math.max(0, count - 1))] : picked;
}

export interface ChatDataShape {
  /** Tool-calling samples per tool. */
  perTool: Record<string, number>;
  noTool: number;
  /** `static`: every sample offers all tools; `varied`: each offers a subset that differs. */
  toolSets?: 'static' | 'varied';
}

/** Chat records (OpenAI messages with `tools`) as datagen's prepared `train.jsonl` holds them. */
export function chatRecords(shape: ChatDataShape): DatasetRecord[] {
  const names = Object.keys(shape.perTool);
  const calls = names.flatMap((name) => Array.from({ length: shape.perTool[name] }, (_, i) => ({ name, i })));
  const records: DatasetRecord[] = [];
  const offered = (called: string | undefined, index: number) => (shape.toolSets === 'static' ? names : variedToolSet(called, index, names));
  calls.forEach(({ name, i }, index) => {
    records.push({
      kind: 'conversation',
      format: 'openai_chat',
      location: { file: 'train.jsonl', line: records.length + 1 },
      conversation: {
        messages: [
          { role: 'user', content: `Please use ${name.replace(/_/g, ' ')} for request number ${i} about topic ${index}` },
          { role: 'assistant', content: null, tool_calls: [{ id: `c${index}`, type: 'function', function: { name, arguments: JSON.stringify({ q: `query ${index}` }) } }] },
          { role: 'tool', tool_call_id: `c${index}`, content: `result ${index}` },
          { role: 'assistant', content: `Here is the result ${index}.` },
        ],
        tools: offered(name, index).map(toolDefinition),
      },
    });
  });
  for (let i = 0; i < shape.noTool; i++) {
    records.push({
      kind: 'conversation',
      format: 'openai_chat',
      location: { file: 'train.jsonl', line: records.length + 1 },
      conversation: {
        messages: [
          { role: 'user', content: `Small talk number ${i}: how are you doing today, friend ${i}?` },
          { role: 'assistant', content: `I am fine, thanks for asking (${i}).` },
        ],
        tools: offered(undefined, i).map(toolDefinition),
      },
    });
  }
  return records;
}

export interface ReactDataShape {
  tool: number;
  noTool: number;
  /** Tool samples (the first ones) whose completion does not end at `\nObservation:`. */
  missingStop?: number;
  /** Tool samples (after those) that write the observation themselves. */
  predictedObservation?: number;
}

/** ReAct prompt/completion records (reference 000's format), the prompt listing a varied subset of the tools. */
export function reactRecords(shape: ReactDataShape, names: readonly string[] = TOOL_NAMES): DatasetRecord[] {
  const records: DatasetRecord[] = [];
  for (let i = 0; i < shape.tool; i++) {
    const name = names[i % names.length];
    const action = `\nThought: ${TOOL_THOUGHT}\nAction: ${name}\nAction Input: query ${i}`;
    const missing = i < (shape.missingStop ?? 0);
    const predicted = !missing && i < (shape.missingStop ?? 0) + (shape.predictedObservation ?? 0);
    const completion = missing ? action : predicted ? `${action}${REACT_STOP_SEQUENCE} it is 21 degrees\nThought: done` : `${action}${REACT_STOP_SEQUENCE}`;
    const prompt = `Tools: ${variedToolSet(name, i, names).join(', ')}\nNew Input: question ${i} for ${name}`;
    records.push({ kind: 'prompt_completion', format: 'prompt_completion', location: { file: 'train.jsonl', line: records.length + 1 }, sample: { prompt, completion } });
  }
  for (let i = 0; i < shape.noTool; i++) {
    const prompt = `Tools: ${variedToolSet(undefined, i, names).join(', ')}\nNew Input: hello number ${i}`;
    const completion = `\nThought: ${NO_TOOL_THOUGHT}\nFinal Answer: Hi there ${i}.`;
    records.push({ kind: 'prompt_completion', format: 'prompt_completion', location: { file: 'train.jsonl', line: records.length + 1 }, sample: { prompt, completion } });
  }
  return records;
}

export interface ReportExtras {
  truncation?: TruncationReport;
  tokenLengths?: number[];
  syntheticRecords?: number;
}

/** `report.json` as datagen writes it: its metadata around libs/datasets' quality report of the training split. */
export function dataReportFile(records: DatasetRecord[], extras: ReportExtras = {}): DataReportFile {
  const report = buildQualityReport({ records, truncation: extras.truncation, tokenLengths: extras.tokenLengths });
  const file = {
    jobId: 'ftjob-test',
    taskId: 'prep-test',
    recordKind: records[0]?.kind ?? 'conversation',
    counts: { inputRecords: records.length, syntheticRecords: extras.syntheticRecords ?? 0, trainRecords: records.length, validationRecords: 0 },
    skippedTools: [],
    report,
  };
  return file;
}

/** A truncation report for `samples` samples of which `truncated` were cut (none dropped). */
export function truncationReport(samples: number, truncated: number): TruncationReport {
  return { samples, truncated, dropped: 0, tokensCut: truncated * 100, labeledTokensCut: truncated * 40, truncationRate: samples ? truncated / samples : 0, cuts: [] };
}

/** Balanced agent data: every tool well covered, 40 % no-tool, varied tool sets. */
export function healthyRecords(): DatasetRecord[] {
  return chatRecords({ perTool: Object.fromEntries(TOOL_NAMES.map((n) => [n, 15])), noTool: 40, toolSets: 'varied' });
}

export function healthyEvaluation(): EvaluationSummary {
  const perTool = (accuracy: number) =>
    Object.fromEntries([...TOOL_NAMES, '(none)'].map((name) => [name, { expected: 10, predicted: 10, selection_accuracy: accuracy, argument_accuracy: accuracy }]));
  return {
    examples: 50,
    agent_episodes: 50,
    base: { metrics: { exact_match: 0.2, token_f1: 0.4, bleu: 12, tool_selection_accuracy: 0.35, validation_loss: 2.4 }, per_tool: perTool(0.35) },
    tuned: { metrics: { exact_match: 0.6, token_f1: 0.78, bleu: 41, tool_selection_accuracy: 0.92, validation_loss: 0.8 }, per_tool: perTool(0.92) },
  };
}

export function defaultConfig(): JobConfig {
  return loadDefaultConfig();
}

/** A healthy run's full input; tests change one part of it. */
export function healthyInput(overrides: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const records = healthyRecords();
  const tools = jobTools();
  return {
    config: defaultConfig(),
    tools,
    curve: healthyCurve(),
    totalSteps: 200,
    data: summarizeData(dataReportFile(records, { truncation: truncationReport(records.length, 0), tokenLengths: records.map(() => 300) }), records, tools),
    evaluation: healthyEvaluation(),
    ...overrides,
  };
}

/** The data part of an input built from these records (and report extras), through the real report builder. */
export function dataFrom(records: DatasetRecord[], extras: ReportExtras = {}, tools: FunctionTool[] = jobTools()): DiagnosisInput['data'] {
  return summarizeData(dataReportFile(records, extras), records, tools);
}
