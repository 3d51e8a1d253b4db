import { graderSchema, type Grader } from '@tuneforge/contracts';
import type { z } from 'zod';
import { formulaProblem } from './formula';
import { UNSUPPORTED_SIMILARITY_METRICS } from './graders/text-similarity';
import { pythonSandboxProblem } from './python/sandbox-probe';
import { templateProblem } from './template';

export type GraderValidation = { ok: true; grader: Grader } | { ok: false; param: string; message: string };

type Problem = { param: string; message: string };

/**
 * Checks a grader as a job request or `/graders/validate` gives it: the shape (OpenAI's JSON plus Tuneforge's
 * graders), then what a shape cannot say: every template names the item or sample namespace, a multi grader's formula
 * parses and uses only its graders' keys, the metric is one Tuneforge computes, a python grader has a sandbox on this
 * host and defines `grade`. The first problem is returned with `param`, its dotted path inside the grader
 * (`operation`, `graders.a.reference`, `input.0.content`).
 */
export function validateGrader(input: unknown): GraderValidation {
  const parsed = graderSchema.safeParse(input);
  if (!parsed.success) return { ok: false, ...problemOfIssue(parsed.error.issues[0]) };
  const problem = semanticProblem(parsed.data, '');
  return problem ? { ok: false, ...problem } : { ok: true, grader: parsed.data };
}

/** The issue's dotted path and message; a union's issue is described by the branch that got furthest. */
function problemOfIssue(issue: z.core.$ZodIssue): Problem {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const deepest = issue.errors.flat().reduce<z.core.$ZodIssue | undefined>((best, candidate) => (!best || candidate.path.length > best.path.length ? candidate : best), undefined);
    if (deepest && deepest.path.length > 0) return problemOfIssue({ ...deepest, path: [...issue.path, ...deepest.path] });
  }
  if (issue.code === 'unrecognized_keys') {
    const param = [...issue.path.map(String), issue.keys[0]].join('.');
    return { param, message: `Unrecognized grader field: ${param}` };
  }
  const param = issue.path.map(String).join('.');
  return { param, message: `Invalid value for '${param || 'grader'}': ${issue.message}` };
}

const join = (prefix: string, field: string) => (prefix ? `${prefix}.${field}` : field);

function templateIssue(template: string, param: string): Problem | undefined {
  const problem = templateProblem(template);
  return problem ? { param, message: `Invalid template in '${param}': ${problem}` } : undefined;
}

function messagesIssue(messages: ReadonlyArray<{ content: string | { text: string } | Array<{ text: string }> }>, prefix: string): Problem | undefined {
  for (const [index, message] of messages.entries()) {
    const param = join(prefix, `input.${index}.content`);
    const texts = typeof message.content === 'string' ? [message.content] : Array.isArray(message.content) ? message.content.map((block) => block.text) : [message.content.text];
    for (const text of texts) {
      const problem = templateIssue(text, param);
      if (problem) return problem;
    }
  }
  return undefined;
}

function semanticProblem(grader: Grader, prefix: string): Problem | undefined {
  switch (grader.type) {
    case 'string_check':
      return templateIssue(grader.input, join(prefix, 'input')) ?? templateIssue(grader.reference, join(prefix, 'reference'));
    case 'text_similarity': {
      const unsupported = UNSUPPORTED_SIMILARITY_METRICS[grader.evaluation_metric];
      if (unsupported) return { param: join(prefix, 'evaluation_metric'), message: unsupported };
      return templateIssue(grader.input, join(prefix, 'input')) ?? templateIssue(grader.reference, join(prefix, 'reference'));
    }
    case 'score_model':
    case 'label_model':
    case 'logit':
      return messagesIssue(grader.input, prefix);
    case 'tool_call':
      return templateIssue(grader.reference, join(prefix, 'reference'));
    case 'task_success':
      for (const [index, expectation] of grader.expectations.entries()) {
        if (expectation.type !== 'state') continue;
        const needsValue = expectation.op !== 'exists' && expectation.op !== 'absent';
        const param = join(prefix, `expectations.${index}.value`);
        if (needsValue && expectation.value === undefined) return { param, message: `Invalid value for '${param}': op '${expectation.op}' compares with a value` };
        if (expectation.op === 'matches' && typeof expectation.value !== 'string') return { param, message: `Invalid value for '${param}': op 'matches' takes a regular expression as a string` };
        if (typeof expectation.value === 'string') {
          const problem = templateIssue(expectation.value, param);
          if (problem) return problem;
        }
      }
      return undefined;
    case 'python': {
      if (!/^\s*def\s+grade\s*\(/m.test(grader.source)) {
        return { param: join(prefix, 'source'), message: "Invalid value for 'source': it must define grade(sample, item), returning a number" };
      }
      const sandbox = pythonSandboxProblem();
      return sandbox ? { param: join(prefix, 'type'), message: sandbox } : undefined;
    }
    case 'multi': {
      for (const [key, sub] of Object.entries(grader.graders)) {
        const problem = semanticProblem(sub, join(prefix, `graders.${key}`));
        if (problem) return problem;
      }
      const formula = formulaProblem(grader.calculate_output, Object.keys(grader.graders));
      const param = join(prefix, 'calculate_output');
      return formula ? { param, message: `Invalid value for '${param}': ${formula}` } : undefined;
    }
  }
}
