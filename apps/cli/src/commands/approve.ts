import type { TuneforgeJobApproval } from '@tuneforge/contracts';
import { CliError, UsageError } from '../cli-error';
import { EXIT } from '../exit-codes';
import type { ApprovalAnswer } from '../gateway-client';
import type { CommandContext, CommandResult } from './command-context';

export interface ApproveOptions {
  reject?: boolean;
  edit?: Record<string, unknown>;
  comment?: string;
}

/** The answer the flags ask for: approve by default, `--reject`, or `--edit JSON` (not both). */
export function answerFromOptions(options: ApproveOptions): ApprovalAnswer {
  if (options.reject && options.edit) throw new UsageError('--reject and --edit cannot be used together');
  const decision = options.reject ? 'reject' : options.edit ? 'edit' : 'approve';
  return { decision, ...(options.comment ? { comment: options.comment } : {}), ...(options.edit ? { edits: options.edit } : {}) };
}

/** Without an approval id, the one pending question is answered; none or several is an error that lists them. */
export function choosePending(jobId: string, approvals: readonly TuneforgeJobApproval[]): string {
  const pending = approvals.filter((approval) => approval.status === 'pending');
  if (pending.length === 1) return pending[0].id;
  if (pending.length === 0) throw new CliError(`job ${jobId} has no pending approval to answer`, EXIT.api);
  throw new UsageError(`job ${jobId} has ${pending.length} pending approvals; name one: ${pending.map((a) => `${a.id} (${a.stage})`).join(', ')}`);
}

/** `tuneforge approve <job> [approval-id] [--reject] [--edit JSON] [--comment text]`. */
export async function approveCommand(ctx: CommandContext, jobId: string, approvalId: string | undefined, options: ApproveOptions): CommandResult {
  const answer = answerFromOptions(options);
  const id = approvalId ?? choosePending(jobId, await ctx.client.approvals(jobId));
  const answered = await ctx.client.answerApproval(jobId, id, answer);
  ctx.io.out(`${answered.id} ${answered.decision} (${answered.stage}, answered by ${answered.answered_by})`);
  return EXIT.ok;
}
