import { argumentsMatch } from '@tuneforge/agents';
import type { ToolCallGrader } from '@tuneforge/contracts';
import { GraderSampleError } from '../grader-errors';
import type { GraderImplementation } from '../grader-types';
import { resolveTemplateValue } from '../template';
import { comparableCall, type ComparableCall } from './tool-calls';

/** The reference call(s) a tool_call grader's template resolves to: one call or a list, as objects or JSON text. */
function referenceCalls(value: unknown): ComparableCall[] {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new GraderSampleError(`the reference tool call is not JSON: ${JSON.stringify(value.slice(0, 200))}`);
    }
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((entry, index) => {
    const call = comparableCall(entry);
    if (!call || !call.arguments) throw new GraderSampleError(`reference call ${index} is not {name, arguments} with arguments as an object`);
    return call;
  });
}

/**
 * Tuneforge's tool_call grader, with the evaluator's scoring rule (`argumentsMatch` from `@tuneforge/agents`, the
 * function the evaluator's episode scoring uses): the n-th call of the sample against the n-th reference call; the
 * tool is right when the names are equal, the arguments when, besides, every reference argument is there with the
 * same value (strings ignoring case and surrounding spaces; extra arguments allowed). A call scores 1 with both
 * right, 0.5 with the tool only, 0 otherwise; the grade is the mean over the reference calls, so a half-right call
 * still gives the policy a gradient. A reference of no calls scores 1 when the sample makes none.
 */
export const runToolCallGrader: GraderImplementation<ToolCallGrader> = async (grader, input) => {
  const reference = referenceCalls(resolveTemplateValue(grader.reference, input));
  const predicted = (input.sample.output_tools ?? []).map(comparableCall);
  if (reference.length === 0) return { score: predicted.length === 0 ? 1 : 0, subScores: { tool: predicted.length === 0 ? 1 : 0, arguments: predicted.length === 0 ? 1 : 0 } };
  let tools = 0;
  let args = 0;
  reference.forEach((expected, i) => {
    const call = predicted[i];
    if (call?.name !== expected.name) return;
    tools++;
    if (call.arguments && argumentsMatch(expected.arguments as Record<string, unknown>, call.arguments)) args++;
  });
  const n = reference.length;
  return { score: (tools + args) / (2 * n), subScores: { tool: tools / n, arguments: args / n } };
};
