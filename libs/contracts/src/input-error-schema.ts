import { z } from 'zod';

/**
 * One thing wrong with an input a task named (an uploaded file, a document), precise enough to fix it without
 * guessing: a code, where it is (`where`: the input's key and its line, in the order they are listed), the field
 * inside the record, what was expected and what was found. Tasks that read inputs report their errors in this shape.
 */
export function inputErrorSchema<Where extends z.ZodRawShape>(where: Where) {
  return z
    .object({
      code: z.string().min(1),
      ...where,
      /** Field path inside the record (`messages[2].tool_calls[0].function.arguments`); empty for the record or input itself. */
      field: z.string(),
      expected: z.string(),
      received: z.string().max(200).optional(),
    })
    .strict();
}
