import { GraderSampleError } from './grader-errors';
import type { GraderInput } from './grader-types';

// OpenAI's grader templates: `{{ namespace.variable }}`, spaces allowed inside the braces, namespaces `item` and
// `sample` only, nested values reached with a JSON-path-like syntax (`item.a.b`, `item.list[0].x`). A string is
// inserted as it is; any other value as its JSON text.

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAMESPACES = ['item', 'sample'] as const;

type Segment = string | number;

/** `item.a[0].b` → ['item', 'a', 0, 'b']; undefined when it is not a path. */
function parsePath(expression: string): Segment[] | undefined {
  const segments: Segment[] = [];
  const pattern = /(?:^|\.)([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\.(\d+)/y;
  let index = 0;
  while (index < expression.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) return undefined;
    segments.push(match[1] ?? Number(match[2] ?? match[3]));
    index = pattern.lastIndex;
  }
  return segments.length > 0 ? segments : undefined;
}

/** The problem with a template's placeholders (a namespace other than item/sample, a malformed path), or undefined. */
export function templateProblem(template: string): string | undefined {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const path = parsePath(match[1]);
    if (!path) return `'${match[0]}' is not a template variable: write {{item.field}} or {{sample.output_text}}`;
    if (!NAMESPACES.includes(path[0] as (typeof NAMESPACES)[number]) || path.length < 2) {
      return `'${match[0]}': the only template namespaces are item and sample ({{item.field}}, {{sample.output_text}})`;
    }
  }
  return undefined;
}

/** The sample namespace as templates see it: `output_json` parsed from the text when the caller left it out. */
function sampleNamespace(input: GraderInput): Record<string, unknown> {
  const sample: Record<string, unknown> = { ...input.sample };
  if (sample.output_json === undefined) {
    try {
      sample.output_json = JSON.parse(input.sample.output_text);
    } catch {
      // Not JSON: `{{sample.output_json...}}` is then a variable the sample lacks.
    }
  }
  return sample;
}

function lookup(path: Segment[], input: GraderInput): unknown {
  let value: unknown = path[0] === 'item' ? input.item : sampleNamespace(input);
  for (const [depth, segment] of path.slice(1).entries()) {
    const container = value as Record<string | number, unknown> | unknown[] | null;
    const found =
      container !== null && typeof container === 'object' && Object.prototype.hasOwnProperty.call(container, segment) ? (container as Record<string | number, unknown>)[segment] : undefined;
    if (found === undefined) {
      const shown = path.slice(0, depth + 2).join('.');
      throw new GraderSampleError(`template variable ${shown} is not there (${path[0] === 'item' ? 'the dataset line has no such field' : 'the sample has no such field'})`);
    }
    value = found;
  }
  return value;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The template with every placeholder replaced. A variable the item or sample lacks throws `GraderSampleError`. */
export function renderTemplate(template: string, input: GraderInput): string {
  return template.replace(PLACEHOLDER, (whole, expression: string) => {
    const path = parsePath(expression);
    if (!path) throw new GraderSampleError(`'${whole}' is not a template variable`);
    return asText(lookup(path, input));
  });
}

/**
 * A template's value: when the whole template is one placeholder, the variable's own value (an object stays an
 * object, for graders that compare structures); otherwise the rendered text.
 */
export function resolveTemplateValue(template: string, input: GraderInput): unknown {
  const whole = /^\s*\{\{\s*([^{}]*?)\s*\}\}\s*$/.exec(template);
  const path = whole ? parsePath(whole[1]) : undefined;
  return path ? lookup(path, input) : renderTemplate(template, input);
}
