import { REACT_STOP_SEQUENCE, checkReactCompletion, parseReactTranscript } from '@tuneforge/datasets';
import { argumentsObject } from './json-text';
import { type OutputParser, type ParsedOutput, parseError } from './parsed-output';

const FORMAT = 'react';
const OBSERVATION = REACT_STOP_SEQUENCE.trimStart();

/**
 * Reads one LangChain ReAct step (reference 000) with libs/datasets' transcript reader, so a step means
 * here exactly what it means in training data: `Thought` + `Action` + `Action Input` is a tool call (a JSON
 * object as Action Input is kept as arguments, other text travels as `{input}`), `Thought` + `Final Answer`
 * is the answer. The generation is expected to end at `\nObservation:` (the stop sequence); text after an
 * Observation marker is the model predicting the tool's output, which is refused. The training rules of
 * `checkReactCompletion` that do not prevent reading the step (e.g. a no-tool Thought other than
 * "Do I need to use a tool? No.") are kept as warnings for evaluation.
 */
export class ReactParser implements OutputParser {
  readonly name = FORMAT;
  readonly inputMode = 'prompt' as const;
  readonly stop = [REACT_STOP_SEQUENCE] as const;
  readonly observationStop = REACT_STOP_SEQUENCE;

  parse(text: string): ParsedOutput {
    const predicted = text.indexOf(OBSERVATION);
    if (predicted >= 0) {
      return parseError(FORMAT, text, predicted, 'predicted_observation', `generation to stop at ${JSON.stringify(REACT_STOP_SEQUENCE)} instead of writing the observation`);
    }
    const { messages, issues } = parseReactTranscript(text, 'output');
    const newInput = messages.findIndex((m) => m.role === 'user');
    if (newInput >= 0) {
      const at = Math.max(text.indexOf('New Input:'), text.indexOf('Question:'));
      return parseError(FORMAT, text, at, 'step_order', 'a Thought followed by an Action or a Final Answer, not a new user input');
    }
    if (issues.length > 0) {
      const issue = issues[0];
      const at = issue.received !== undefined ? markerOffset(text, issue.path, String(issue.received)) : text.length;
      return parseError(FORMAT, text, at, issue.received === undefined ? 'incomplete_step' : 'step_order', issue.expected, issue.received === undefined ? undefined : String(issue.received));
    }
    const steps = messages.filter((m) => m.role === 'assistant');
    const preamble = messages.find((m) => m.role === 'system');
    if (steps.length === 0) {
      return parseError(FORMAT, text, 0, 'no_decision', '"Thought:" then "Action:" and "Action Input:", or "Final Answer:"');
    }
    if (steps.length > 1) {
      const second = secondStepOffset(text);
      return parseError(FORMAT, text, second, 'step_order', 'one step per generation: either an Action or a Final Answer');
    }
    const step = steps[0];
    if (step.role !== 'assistant') throw new Error('unreachable: filtered to assistant messages');
    const warnings: string[] = [];
    if (preamble) warnings.push(`text before the first step marker: ${JSON.stringify(preamble.content.slice(0, 80))}`);
    const thought = step.reasoning;
    if (step.tool_calls) {
      const call = step.tool_calls[0];
      const args = argumentsObject(call.function.arguments) ?? {};
      const check = checkReactCompletion({ prompt: '', completion: withLeadingNewline(text) + REACT_STOP_SEQUENCE });
      warnings.push(...check.violations.map((v) => `${v.rule}: ${v.message}`));
      return { kind: 'tool_calls', calls: [{ name: call.function.name, arguments: args }], content: null, ...(thought !== undefined ? { thought } : {}), warnings };
    }
    const check = checkReactCompletion({ prompt: '', completion: withLeadingNewline(text) });
    warnings.push(...check.violations.map((v) => `${v.rule}: ${v.message}`));
    return { kind: 'final_answer', answer: step.content ?? '', ...(thought !== undefined ? { thought } : {}), warnings };
  }
}

// Training completions open with "\n" (the marker tokens include it); generation may start on the marker itself.
function withLeadingNewline(text: string): string {
  return text.startsWith('\n') ? text : `\n${text.replace(/^\s+/, '')}`;
}

const MARKERS = /(^|\n)(Thought|Action Input|Action|Final Answer):/g;

function markerOffset(text: string, path: string, marker: string): number {
  const index = /steps\[(\d+)\]/.exec(path);
  const matches = [...text.matchAll(/(^|\n)(New Input|Question|Thought|Action Input|Action|Observation|Final Answer):/g)];
  const match = index ? matches[Number(index[1])] : matches.find((m) => m[2] === marker);
  return match ? (match.index ?? 0) + match[1].length : text.length;
}

function secondStepOffset(text: string): number {
  let seenDecision = false;
  for (const match of text.matchAll(MARKERS)) {
    const marker = match[2];
    if (seenDecision && (marker === 'Thought' || marker === 'Final Answer' || marker === 'Action')) return (match.index ?? 0) + match[1].length;
    if (marker === 'Action Input' || marker === 'Final Answer') seenDecision = true;
  }
  return text.length;
}
