import type { PromptCompletion } from '../conversation/conversation.schema';
import type { SourceLocation } from '../conversation/dataset-record';
import { DatasetError, previewValue } from '../errors/dataset-error';
import { NO_TOOL_THOUGHT, REACT_STOP_SEQUENCE } from './agent-tokens';

export type ReactSampleKind = 'tool' | 'no_tool';

export interface ReactRuleViolation {
  location: SourceLocation;
  rule: 'stop_at_observation' | 'predicted_observation' | 'no_tool_answer' | 'step_order' | 'no_decision';
  message: string;
}

export interface ReactSampleCheck {
  kind?: ReactSampleKind;
  violations: Array<Omit<ReactRuleViolation, 'location'>>;
}

const NO_TOOL_OPENING = `\nThought: ${NO_TOOL_THOUGHT}\nFinal Answer:`;
const STEP_ORDER = ['\nThought:', '\nAction:', '\nAction Input:'] as const;

/**
 * Checks one ReAct completion against reference 000. A tool step must stop exactly at `\nObservation:`,
 * the agent's stop sequence: anything after it is the model predicting the tool's output, which the agent
 * would then believe. A no-tool step answers the tool question with "No." and goes straight to the
 * Final Answer. A completion that does neither teaches no decision at all.
 */
export function checkReactCompletion(sample: PromptCompletion): ReactSampleCheck {
  const { completion } = sample;
  const violations: ReactSampleCheck['violations'] = [];
  const hasAction = completion.includes('\nAction:');
  const hasFinal = completion.includes('\nFinal Answer:');
  if (hasAction) {
    const first = completion.indexOf('Observation:');
    if (!completion.endsWith(REACT_STOP_SEQUENCE)) {
      violations.push(
        first >= 0 && first + 'Observation:'.length < completion.length
          ? { rule: 'predicted_observation', message: 'a tool completion ends at \\nObservation: and does not predict the observation' }
          : { rule: 'stop_at_observation', message: 'a tool completion ends exactly with \\nObservation:' },
      );
    } else if (first !== completion.length - 'Observation:'.length) {
      violations.push({ rule: 'predicted_observation', message: 'a single \\nObservation: only at the end of a tool completion' });
    }
    let at = -1;
    for (const marker of STEP_ORDER) {
      const next = completion.indexOf(marker, at + 1);
      if (next <= at) {
        violations.push({ rule: 'step_order', message: 'Thought, then Action, then Action Input' });
        break;
      }
      at = next;
    }
    if (hasFinal) violations.push({ rule: 'step_order', message: 'either an Action or a Final Answer, not both' });
    return { kind: 'tool', violations };
  }
  if (hasFinal) {
    if (!completion.startsWith(NO_TOOL_OPENING)) {
      violations.push({ rule: 'no_tool_answer', message: `a no-tool completion that starts ${JSON.stringify(NO_TOOL_OPENING)}` });
    }
    if (completion.includes('Observation:')) violations.push({ rule: 'predicted_observation', message: 'no Observation in a no-tool completion' });
    return { kind: 'no_tool', violations };
  }
  violations.push({ rule: 'no_decision', message: 'a completion with an Action (tool) or a Final Answer (no tool)' });
  return { violations };
}

export interface ReactBalance {
  tool: number;
  noTool: number;
  /** Share of the rarer kind, 0.5 when perfectly balanced. */
  minorityShare: number;
  balanced: boolean;
}

export interface ReactRulesReport {
  checked: number;
  violations: ReactRuleViolation[];
  balance: ReactBalance;
}

export interface ReactRulesOptions {
  /** Below this share of tool (or no-tool) samples the set is reported unbalanced. */
  minMinorityShare?: number;
}

/**
 * Checks every ReAct sample and the balance of tool and no-tool samples: a set that is nearly all tool
 * calls teaches the model to call a tool for "Hi!", and the reverse to never call one.
 */
export function checkReactSamples(samples: Iterable<{ sample: PromptCompletion; location: SourceLocation }>, options: ReactRulesOptions = {}): ReactRulesReport {
  const violations: ReactRuleViolation[] = [];
  let tool = 0;
  let noTool = 0;
  let checked = 0;
  for (const { sample, location } of samples) {
    checked++;
    const check = checkReactCompletion(sample);
    if (check.kind === 'tool') tool++;
    if (check.kind === 'no_tool') noTool++;
    for (const v of check.violations) violations.push({ ...v, location });
  }
  const total = tool + noTool;
  const minorityShare = total === 0 ? 0 : Math.min(tool, noTool) / total;
  return { checked, violations, balance: { tool, noTool, minorityShare, balanced: minorityShare >= (options.minMinorityShare ?? 0.2) } };
}

export function violationToError(violation: ReactRuleViolation): DatasetError {
  return new DatasetError({
    code: 'rule_violation',
    file: violation.location.file,
    line: violation.location.line,
    row: violation.location.row,
    path: 'completion',
    expected: violation.message,
    received: violation.rule,
  });
}

/**
 * The step markers that make a prompt/completion sample a ReAct step: the markers the evaluator reads a
 * model as a ReAct agent by. `Observation:` alone is left out: it is an ordinary word in many datasets.
 */
const REACT_STEP_MARKERS = /(^|\n)\s*(Thought|Action|Action Input|Final Answer)\s*:/;

/** Whether a sample is written as a ReAct step (its prompt or its completion has ReAct step markers). */
export function looksLikeReact(sample: PromptCompletion): boolean {
  return REACT_STEP_MARKERS.test(sample.prompt) || REACT_STEP_MARKERS.test(sample.completion);
}

/**
 * The ReAct rule that refuses data instead of only listing it in the quality report: once the data looks
 * like ReAct (any sample has step markers, whatever format was named or detected), no completion may go on
 * after `\nObservation:`. The agent stops generating there and appends the tool's real output, so nothing a
 * legitimate step needs can come after it; what does teaches the model to invent tool outputs. An error
 * rather than a warning for that reason: it rejects no valid ReAct data, and data without markers (where
 * "Observation:" may be an ordinary word) is not checked. The other rules (step order, the no-tool
 * Thought, the balance) stay in the quality report: breaking them teaches a worse agent, not a lying one.
 */
export function observationPredictionErrors(samples: ReadonlyArray<{ sample: PromptCompletion; location: SourceLocation }>): DatasetError[] {
  if (!samples.some(({ sample }) => looksLikeReact(sample))) return [];
  return samples.flatMap(({ sample, location }) => {
    const stop = sample.completion.indexOf(REACT_STOP_SEQUENCE);
    if (stop < 0 || sample.completion.slice(stop + REACT_STOP_SEQUENCE.length).trim() === '') return [];
    return [
      new DatasetError({
        code: 'rule_violation',
        file: location.file,
        line: location.line,
        row: location.row,
        path: 'completion',
        expected: 'a ReAct completion that ends at "\\nObservation:" (the tool\'s output belongs in the next step\'s prompt)',
        received: previewValue(sample.completion.slice(stop)),
      }),
    ];
  });
}
