import { argumentsMatch } from '@tuneforge/agents';
import type { Expectation, TaskSuccessGrader } from '@tuneforge/contracts';
import { GraderSampleError } from '../grader-errors';
import type { GraderImplementation, GraderInput } from '../grader-types';
import { resolveTemplateValue } from '../template';
import { comparableCall, trajectoryCalls, type ComparableCall } from './tool-calls';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Key-order-free JSON, so that two equal objects compare equal whatever order their keys came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

/** The value at a dotted path (`orders.0.status`) of the environment state; `found` false when a step is missing. */
function at(state: unknown, path: string): { found: boolean; value?: unknown } {
  let node = state;
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) return { found: false };
    node = (node as Record<string, unknown>)[segment];
  }
  return { found: true, value: node };
}

function stateHolds(expectation: Extract<Expectation, { type: 'state' }>, input: GraderInput): boolean {
  if (input.sample.environment === undefined) throw new GraderSampleError('a state expectation needs the tool environment state (sample.environment), and the sample has none');
  const { found, value } = at(input.sample.environment, expectation.path);
  if (expectation.op === 'exists') return found;
  if (expectation.op === 'absent') return !found;
  if (!found) return false;
  const wanted = typeof expectation.value === 'string' ? resolveTemplateValue(expectation.value, input) : expectation.value;
  switch (expectation.op) {
    case 'eq':
      return canonical(value) === canonical(wanted);
    case 'ne':
      return canonical(value) !== canonical(wanted);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const [a, b] = [Number(value), Number(wanted)];
      if (typeof value === 'boolean' || !Number.isFinite(a) || !Number.isFinite(b)) return false;
      return expectation.op === 'gt' ? a > b : expectation.op === 'gte' ? a >= b : expectation.op === 'lt' ? a < b : a <= b;
    }
    case 'contains':
      if (typeof value === 'string') return value.includes(typeof wanted === 'string' ? wanted : JSON.stringify(wanted));
      if (Array.isArray(value)) return value.some((element) => canonical(element) === canonical(wanted));
      return isObject(value) && typeof wanted === 'string' && Object.prototype.hasOwnProperty.call(value, wanted);
    case 'matches':
      try {
        return typeof value === 'string' && new RegExp(String(wanted)).test(value);
      } catch {
        throw new GraderSampleError(`expectation on ${expectation.path}: ${JSON.stringify(wanted)} is not a regular expression`);
      }
  }
}

function toolWasCalled(expectation: Extract<Expectation, { type: 'tool_called' }>, calls: readonly ComparableCall[]): boolean {
  return calls.some((call) => call.name === expectation.tool && call.arguments !== undefined && argumentsMatch(expectation.arguments ?? {}, call.arguments));
}

/**
 * Tuneforge's task_success grader, after weave-agent's evaluation callbacks: the task states what should be true once
 * the agent is done — on the tool environment's final state (`sample.environment`, a path compared with a value) or
 * on what the agent did (a tool called with at least these arguments, anywhere in the episode: the evaluator's
 * expectation check) — and the grader checks each. `all` (default) scores 1 only if every expectation holds; `mean`
 * scores the fraction that holds. Each expectation's 0/1 is in `subScores` (`expectations.<i>`).
 */
export const runTaskSuccess: GraderImplementation<TaskSuccessGrader> = async (grader, input) => {
  const calls = [...trajectoryCalls(input.sample.trajectory), ...(input.sample.trajectory === undefined ? (input.sample.output_tools ?? []).map(comparableCall).filter((c): c is ComparableCall => c !== undefined) : [])];
  const held = grader.expectations.map((expectation) => (expectation.type === 'state' ? stateHolds(expectation, input) : toolWasCalled(expectation, calls)));
  const passed = held.filter(Boolean).length;
  const score = (grader.aggregate ?? 'all') === 'all' ? (passed === held.length ? 1 : 0) : passed / held.length;
  return { score, subScores: Object.fromEntries(held.map((ok, i) => [`expectations.${i}`, ok ? 1 : 0])) };
};
