/** Thrown when a metric gets input it cannot score; the message names the argument, the index and what was expected. */
export class MetricInputError extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly received: unknown,
  ) {
    super(`${field}: expected ${expected}, got ${describe(received)}`);
    this.name = 'MetricInputError';
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}

/** Checks one hypothesis and its references; `where` names the example (e.g. "hypotheses[3]"). */
export function assertExample(hypothesis: unknown, references: unknown, where: { hypothesis: string; references: string }): void {
  if (typeof hypothesis !== 'string') throw new MetricInputError(where.hypothesis, 'a string', hypothesis);
  if (!Array.isArray(references) || references.length === 0) {
    throw new MetricInputError(where.references, 'a non-empty array of reference strings', references);
  }
  references.forEach((reference, index) => {
    if (typeof reference !== 'string') throw new MetricInputError(`${where.references}[${index}]`, 'a string', reference);
  });
}

/** Checks that a corpus has one reference list per hypothesis. */
export function assertCorpus(hypotheses: unknown, references: unknown): void {
  if (!Array.isArray(hypotheses) || hypotheses.length === 0) {
    throw new MetricInputError('hypotheses', 'a non-empty array of strings', hypotheses);
  }
  if (!Array.isArray(references) || references.length !== hypotheses.length) {
    throw new MetricInputError('references', `an array of ${hypotheses.length} reference lists (one per hypothesis)`, references);
  }
  hypotheses.forEach((hypothesis, index) =>
    assertExample(hypothesis, references[index], { hypothesis: `hypotheses[${index}]`, references: `references[${index}]` }),
  );
}
