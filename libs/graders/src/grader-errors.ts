/**
 * A failure of one sample (a template variable it lacks, an answer that does not parse, a python grader that raised
 * or ran out of time): `runGrader` turns it into score 0 with `error`, and training goes on.
 */
export class GraderSampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraderSampleError';
  }
}

/**
 * A failure of the run, not of a sample: a grader endpoint that stays unreachable after its retries, no endpoint
 * configured for a model grader, no python sandbox on this host. Every sample would fail the same way, so
 * `runGrader` throws it and the caller fails the step with this message.
 */
export class GraderRunError extends Error {
  constructor(
    message: string,
    readonly code: 'endpoint_unreachable' | 'endpoint_refused' | 'not_configured' | 'sandbox_unavailable',
  ) {
    super(message);
    this.name = 'GraderRunError';
  }
}
