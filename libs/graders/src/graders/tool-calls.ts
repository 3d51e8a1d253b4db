/** A tool call reduced to what graders compare: the name and the arguments as an object (undefined: unreadable JSON). */
export interface ComparableCall {
  name: string;
  arguments: Record<string, unknown> | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function argumentsObject(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return {};
  if (isObject(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One call in any of the shapes a grader meets: `{name, arguments}` (the sample's `output_tools`, a dataset's
 * reference) or OpenAI's `{type: 'function', function: {name, arguments}}`, arguments as an object or JSON text.
 */
export function comparableCall(value: unknown): ComparableCall | undefined {
  if (!isObject(value)) return undefined;
  const fn = isObject(value.function) ? value.function : value;
  return typeof fn.name === 'string' ? { name: fn.name, arguments: argumentsObject(fn.arguments) } : undefined;
}

/** The calls of an episode, in order: every assistant message's `tool_calls` (an array of messages, or `{messages}`). */
export function trajectoryCalls(trajectory: unknown): ComparableCall[] {
  const messages = Array.isArray(trajectory) ? trajectory : isObject(trajectory) && Array.isArray(trajectory.messages) ? trajectory.messages : [];
  return messages.flatMap((message: unknown) => {
    if (!isObject(message) || message.role !== 'assistant' || !Array.isArray(message.tool_calls)) return [];
    return message.tool_calls.map(comparableCall).filter((call): call is ComparableCall => call !== undefined);
  });
}
