/**
 * A request the evaluator cannot evaluate because of what it names (a model or dataset that is not in the
 * store, an unreadable evaluation file, nothing to evaluate): the task fails with this message, which
 * names the key, line or field and what was expected. Anything else (store unreachable, engine crash)
 * is an operational error.
 */
export class EvaluationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationInputError';
  }
}
