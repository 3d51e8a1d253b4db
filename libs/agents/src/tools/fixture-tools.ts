import type { ToolDefinition } from '@tuneforge/datasets';
import { type AgentTool, ToolError } from './agent-tool';

/** A canned response for calls of `tool` whose arguments contain every given key with an equal value. */
export interface ToolFixture {
  tool: string;
  /** Arguments to match; absent: any call of the tool. */
  arguments?: Record<string, unknown>;
  response: string;
}

export interface FixtureToolOptions {
  /** What a call that matches no fixture observes; absent: an error observation naming the arguments. */
  noMatchResponse?: string;
}

/**
 * Tools the job defines (OpenAI function definitions) answered from fixtures (the evaluation request's
 * `toolFixtures`), so a model is evaluated in a real tool loop without the job's real services. Among the
 * fixtures that match a call, the most specific (most argument keys) wins, then the first listed. Values are
 * compared as JSON; strings also match with different case and surrounding spaces, since a model that
 * writes "oslo" for "Oslo" chose the right tool and argument.
 */
export function createFixtureTools(definitions: readonly ToolDefinition[], fixtures: readonly ToolFixture[], options: FixtureToolOptions = {}): AgentTool[] {
  const names = new Set(definitions.map((d) => d.function.name));
  fixtures.forEach((f, i) => {
    if (!names.has(f.tool)) throw new Error(`toolFixtures[${i}].tool: ${JSON.stringify(f.tool)} is not one of the defined tools (${[...names].join(', ') || 'none'})`);
  });
  return definitions.map((definition) => {
    const own = fixtures.filter((f) => f.tool === definition.function.name);
    return {
      name: definition.function.name,
      ...(definition.function.description !== undefined ? { description: definition.function.description } : {}),
      ...(definition.function.parameters !== undefined ? { parameters: definition.function.parameters } : {}),
      execute: (args: Record<string, unknown>) => {
        const match = bestFixture(own, args);
        if (match) return match.response;
        if (options.noMatchResponse !== undefined) return options.noMatchResponse;
        throw new ToolError(`${definition.function.name} has no result for ${JSON.stringify(args)}`);
      },
    };
  });
}

function bestFixture(fixtures: readonly ToolFixture[], args: Record<string, unknown>): ToolFixture | undefined {
  let best: ToolFixture | undefined;
  let bestKeys = -1;
  for (const fixture of fixtures) {
    const wanted = fixture.arguments ?? {};
    const keys = Object.keys(wanted).length;
    if (argumentsMatch(wanted, args) && keys > bestKeys) {
      best = fixture;
      bestKeys = keys;
    }
  }
  return best;
}

/**
 * Every expected argument is present in `actual` with the same value (extra arguments are the tool's to refuse).
 * How fixtures are chosen, and how the evaluator scores a model's call against the reference call.
 */
export function argumentsMatch(expected: Record<string, unknown>, actual: Record<string, unknown>): boolean {
  return Object.entries(expected).every(([key, value]) => key in actual && sameArgumentValue(value, actual[key]));
}

/** Whether two argument values mean the same: JSON-equal, strings also ignoring case and surrounding spaces. */
export function sameArgumentValue(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string' && typeof actual === 'string') return expected.trim().toLowerCase() === actual.trim().toLowerCase();
  return canonicalJson(expected) === canonicalJson(actual);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
