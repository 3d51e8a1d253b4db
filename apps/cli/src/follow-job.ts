import type { OpenAiFineTuningJob, OpenAiFineTuningJobEvent, TuneforgeJobApproval } from '@tuneforge/contracts';
import { ConnectionError } from './cli-error';
import { exitCodeForJob, type ExitCode } from './exit-codes';
import type { GatewayClient } from './gateway-client';
import type { Io } from './io';
import { createProgressDisplay, type ProgressDisplay } from './progress-display';
import { readTrainingMetrics } from './training-metrics';

const RECONNECTS = 5;

export interface FollowOptions {
  /** How long to wait before reconnecting after the nth lost connection (tests shorten it). */
  reconnectDelayMs?: (attempt: number) => number;
}

/**
 * Follows a job to its end: its events as they come (the gateway's stream replays the past ones first),
 * training progress, approval questions with the commands that answer them; then the final status and where
 * the model is. Returns the job's exit code. A dropped connection is resumed (events are deduplicated by id).
 */
export async function followJob(client: GatewayClient, jobId: string, io: Io, options: FollowOptions = {}): Promise<ExitCode> {
  const display = createProgressDisplay(io);
  const seen = new Set<string>();
  const announced = new Set<string>();
  const delay = options.reconnectDelayMs ?? ((attempt: number) => 1000 * attempt);
  let failures = 0;
  try {
    for (;;) {
      let done = false;
      try {
        for await (const event of client.streamEvents(jobId)) {
          failures = 0;
          if (event === 'done') {
            done = true;
            break;
          }
          if (seen.has(event.id)) continue;
          seen.add(event.id);
          await showEvent(client, jobId, event, display, announced);
        }
      } catch (error) {
        if (!(error instanceof ConnectionError) || ++failures > RECONNECTS) throw error;
        display.log(`connection to the gateway lost (${error.message}); reconnecting (${failures}/${RECONNECTS})`);
        await new Promise((resolve) => setTimeout(resolve, delay(failures)));
        continue;
      }
      if (done) break;
      // The stream closed without [DONE]: the gateway went away mid-stream; resume.
      if (++failures > RECONNECTS) throw new ConnectionError(client.settings.baseUrl, 'the event stream kept closing before the job ended');
      await new Promise((resolve) => setTimeout(resolve, delay(failures)));
    }
  } finally {
    display.stop();
  }
  const job = await client.retrieveJob(jobId);
  const approvals = await client.approvals(jobId);
  printOutcome(job, approvals, io);
  return exitCodeForJob(job.status, approvals);
}

async function showEvent(client: GatewayClient, jobId: string, event: OpenAiFineTuningJobEvent, display: ProgressDisplay, announced: Set<string>): Promise<void> {
  if (event.type === 'metrics') {
    const metrics = readTrainingMetrics(event.data);
    if (metrics) {
      display.update(metrics);
      return;
    }
  }
  const time = new Date(event.created_at * 1000).toISOString().slice(11, 19);
  display.log(`${time} ${event.level === 'info' ? '' : `${event.level.toUpperCase()} `}${event.message}`);
  if (typeof event.data?.approval_id === 'string') await announcePending(client, jobId, event.data.approval_id, display, announced);
}

/**
 * A question the job waits on, with the commands that answer it (each question shown once). The question
 * and the event announcing it are projected separately, so the question may trail the event a little.
 */
async function announcePending(client: GatewayClient, jobId: string, approvalId: string, display: ProgressDisplay, announced: Set<string>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const approvals = await client.approvals(jobId);
    const asked = approvals.find((approval) => approval.id === approvalId);
    if (asked || attempt >= APPROVAL_VISIBLE_ATTEMPTS) {
      for (const approval of approvals) {
        if (approval.status !== 'pending' || announced.has(approval.id)) continue;
        announced.add(approval.id);
        for (const line of describeApprovalRequest(approval)) display.log(line);
      }
      if (!asked) display.log(`approval ${approvalId} is not listed yet; \`tuneforge status ${jobId}\` shows it once it is`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, APPROVAL_VISIBLE_POLL_MS));
  }
}

const APPROVAL_VISIBLE_ATTEMPTS = 40;
const APPROVAL_VISIBLE_POLL_MS = 250;

export function describeApprovalRequest(approval: TuneforgeJobApproval): string[] {
  const lines = [`APPROVAL NEEDED (${approval.stage}, ${approval.id}): ${approval.question}`];
  if (approval.options.includes('approve')) lines.push(`  approve: tuneforge approve ${approval.job_id} ${approval.id}`);
  if (approval.options.includes('reject')) lines.push(`  reject:  tuneforge approve ${approval.job_id} ${approval.id} --reject`);
  if (approval.options.includes('edit')) lines.push(`  edit:    tuneforge approve ${approval.job_id} ${approval.id} --edit '{"...": ...}'`);
  return lines;
}

/** The last lines of `follow`, on stdout: the status and, for a job that succeeded, where its model is. */
export function printOutcome(job: OpenAiFineTuningJob, approvals: readonly TuneforgeJobApproval[], io: Io): void {
  io.out(`job ${job.id} ${job.status}`);
  if (job.status === 'succeeded') {
    io.out(`fine-tuned model: ${job.fine_tuned_model}`);
    for (const file of job.result_files) io.out(`result: ${file}`);
    io.out(`download: tuneforge download ${job.id} --out DIR   (merged model; --adapter for the PEFT adapter)`);
  }
  if (job.status === 'failed' && job.error) io.out(`error: ${job.error.message}${job.error.param ? ` (param: ${job.error.param})` : ''} [${job.error.code}]`);
  const rejected = approvals.find((approval) => approval.decision === 'reject');
  if (job.status === 'cancelled' && rejected) io.out(`stopped because approval ${rejected.id} (${rejected.stage}) was rejected by ${rejected.answered_by ?? 'someone'}`);
}
