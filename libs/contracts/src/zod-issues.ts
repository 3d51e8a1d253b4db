import type { z } from 'zod';

/** One line per problem, `path.to.field: message`, so a user can find the field that is wrong. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `  ${path}: ${issue.message}`;
    })
    .join('\n');
}
