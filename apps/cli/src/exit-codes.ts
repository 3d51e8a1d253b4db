/**
 * The exit codes scripts can rely on. Documented in `tuneforge --help` and apps/cli/README.md; the table
 * below is the one both are printed from.
 */
export const EXIT = {
  /** The command did what it was asked; for `follow`/`submit --follow`/`status`: the job succeeded (or is still going, for `status`). */
  ok: 0,
  /** The job failed. */
  jobFailed: 1,
  /** Bad arguments, an unreadable or invalid config/tools file, a missing local file. */
  usage: 2,
  /** The job was cancelled. */
  jobCancelled: 3,
  /** The gateway answered with an error (unknown job or file, invalid request, bad API key, conflict, server error). */
  api: 4,
  /** The gateway could not be reached. */
  connection: 5,
  /** The job ended because an approval question was answered "reject". */
  rejected: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP = [
  'Exit codes:',
  '  0  success (for follow, submit --follow and status: the job succeeded or is still running)',
  '  1  the job failed',
  '  2  usage error: bad arguments, invalid config or tools file, missing local file',
  '  3  the job was cancelled',
  '  4  API error: the gateway refused the request (unknown job/file, invalid field, bad API key, conflict)',
  '  5  connection error: the gateway could not be reached',
  '  6  the job was stopped because an approval was rejected',
].join('\n');

/** Whether any of a job's approvals was answered "reject" (a job cancelled because of one exits 6, not 3). */
export interface ApprovalOutcome {
  decision: string | null;
}

/** The exit code a job's status stands for; a job that has not ended yet is 0. */
export function exitCodeForJob(status: string, approvals: readonly ApprovalOutcome[] = []): ExitCode {
  switch (status) {
    case 'failed':
      return EXIT.jobFailed;
    case 'cancelled':
      return approvals.some((approval) => approval.decision === 'reject') ? EXIT.rejected : EXIT.jobCancelled;
    default:
      return EXIT.ok;
  }
}
