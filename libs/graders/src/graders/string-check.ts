import type { StringCheckGrader } from '@tuneforge/contracts';
import type { GraderImplementation } from '../grader-types';
import { renderTemplate } from '../template';

/**
 * OpenAI's string_check: 1 or 0. `eq` / `ne`: equal / not equal, case-sensitive; `like`: the input contains the
 * reference, case-sensitive; `ilike`: the same, ignoring case. Both sides are rendered templates, compared as they are
 * (no trimming: a stray space is the model's to avoid, as in OpenAI's grader).
 */
export const runStringCheck: GraderImplementation<StringCheckGrader> = async (grader, input) => {
  const text = renderTemplate(grader.input, input);
  const reference = renderTemplate(grader.reference, input);
  const passed =
    grader.operation === 'eq'
      ? text === reference
      : grader.operation === 'ne'
        ? text !== reference
        : grader.operation === 'like'
          ? text.includes(reference)
          : text.toLowerCase().includes(reference.toLowerCase());
  return { score: passed ? 1 : 0 };
};
