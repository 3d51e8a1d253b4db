import type { OpenAiFineTuningJob } from '@tuneforge/contracts';
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../cli-error';
import { EXIT, exitCodeForJob } from '../exit-codes';
import { describeApprovalRequest } from '../follow-job';
import type { CommandContext, CommandResult } from './command-context';

const time = (seconds: number | null) => (seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : '-');

/** `tuneforge list [jobs|files]`: one line each, newest first; `--json` prints the API's objects. */
export async function listCommand(ctx: CommandContext, what: 'jobs' | 'files', options: { limit: number; json?: boolean }): CommandResult {
  if (what === 'files') {
    const files = await ctx.client.listFiles(options.limit);
    if (options.json) ctx.io.out(JSON.stringify(files, null, 2));
    else for (const f of files) ctx.io.out([f.id, f.purpose, `${f.bytes}B`, time(f.created_at), f.filename].join('\t'));
    return EXIT.ok;
  }
  const jobs = await ctx.client.listJobs(options.limit);
  if (options.json) ctx.io.out(JSON.stringify(jobs, null, 2));
  else for (const j of jobs) ctx.io.out([j.id, j.status, j.model, time(j.created_at), j.fine_tuned_model ?? '-'].join('\t'));
  return EXIT.ok;
}

/** `tuneforge models`: every model the tenant can tune from or call, one line each (id, owner, created); `--json` prints the API's objects. */
export async function modelsCommand(ctx: CommandContext, options: { json?: boolean }): CommandResult {
  const models = await ctx.client.listModels();
  if (options.json) ctx.io.out(JSON.stringify(models, null, 2));
  else for (const m of models) ctx.io.out([m.id, m.owned_by, time(m.created)].join('\t'));
  return EXIT.ok;
}

/**
 * `tuneforge models add <dir | file.gguf> [--name]`: registers a base model from a Hugging Face model directory
 * (every file in it) or one GGUF file; the gateway checks it all before anything is registered. The name
 * defaults to the directory's or file's name (without `.gguf`). `--operator` (an admin key) registers it for every tenant.
 */
export async function addModelCommand(ctx: CommandContext, path: string, options: { name?: string; json?: boolean; operator?: boolean }): CommandResult {
  const files = modelFiles(path);
  const name = options.name ?? basename(resolve(path)).replace(/\.gguf$/i, '');
  ctx.io.err(`uploading ${files.length} file${files.length === 1 ? '' : 's'} of ${path} as base model ${name}${options.operator ? ' for every tenant' : ''}`);
  const model = await ctx.client.addModel(name, files, options.operator ? 'operator' : 'tenant');
  if (options.json) ctx.io.out(JSON.stringify(model, null, 2));
  else ctx.io.out(`${model.id}\t${model.tuneforge.architecture}\t${model.tuneforge.parameters.toLocaleString('en')} parameters\tfrom ${model.tuneforge.source}`);
  return EXIT.ok;
}

function modelFiles(path: string): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new UsageError(`${path}: no such file or directory`);
  }
  if (stats.isFile()) return [path];
  const files = readdirSync(path, { withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.startsWith('.')).map((entry) => join(path, entry.name));
  if (files.length === 0) throw new UsageError(`${path}: the directory has no files`);
  return files.sort();
}

/** `tuneforge status <job>`: the job, its open questions and checkpoints; exits with the job's code (1 failed, 3 cancelled, 6 rejected). */
export async function statusCommand(ctx: CommandContext, jobId: string, options: { json?: boolean }): CommandResult {
  const job = await ctx.client.retrieveJob(jobId);
  const approvals = await ctx.client.approvals(jobId);
  const checkpoints = await ctx.client.checkpoints(jobId);
  if (options.json) {
    ctx.io.out(JSON.stringify({ ...job, approvals, checkpoints }, null, 2));
    return exitCodeForJob(job.status, approvals);
  }
  for (const line of describeJob(job)) ctx.io.out(line);
  for (const approval of approvals) {
    if (approval.status === 'pending') for (const line of describeApprovalRequest(approval)) ctx.io.out(line);
    else ctx.io.out(`approval:     ${approval.id} (${approval.stage}) ${approval.decision} by ${approval.answered_by}`);
  }
  if (checkpoints.length > 0) ctx.io.out(`checkpoints:  ${checkpoints.length}, latest step ${checkpoints[0].step_number}: ${checkpoints[0].fine_tuned_model_checkpoint}`);
  return exitCodeForJob(job.status, approvals);
}

export function describeJob(job: OpenAiFineTuningJob): string[] {
  const hp = job.hyperparameters;
  const lines = [
    `job:          ${job.id}`,
    `status:       ${job.status}`,
    `model:        ${job.model}`,
    `training:     ${job.training_file}${job.validation_file ? `  validation: ${job.validation_file}` : ''}`,
    `hyperparams:  n_epochs=${hp.n_epochs} batch_size=${hp.batch_size} learning_rate_multiplier=${hp.learning_rate_multiplier} seed=${job.seed}`,
    `created:      ${time(job.created_at)}  finished: ${time(job.finished_at)}`,
  ];
  if (job.fine_tuned_model) lines.push(`fine-tuned:   ${job.fine_tuned_model}`);
  for (const file of job.result_files) lines.push(`result:       ${file}`);
  if (job.error) lines.push(`error:        ${job.error.message}${job.error.param ? ` (param: ${job.error.param})` : ''} [${job.error.code}]`);
  return lines;
}

/** `tuneforge cancel|pause|resume <job>`: the request is sent; the status changes when the job reports it. */
export async function controlCommand(ctx: CommandContext, action: 'cancel' | 'pause' | 'resume', jobId: string): CommandResult {
  const job = await ctx.client.control(jobId, action);
  ctx.io.out(`${job.id} ${action} requested (status now ${job.status})`);
  return EXIT.ok;
}
