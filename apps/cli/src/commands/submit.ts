import { basename } from 'node:path';
import { EXIT } from '../exit-codes';
import { classifyFileArgument } from '../file-argument';
import { followJob } from '../follow-job';
import { buildJobRequest, type JobRequestOptions } from '../job-request';
import type { CommandContext, CommandResult } from './command-context';

export interface SubmitOptions extends JobRequestOptions {
  trainingFile: string;
  validationFile?: string;
  follow?: boolean;
}

/**
 * `tuneforge submit`: checks everything it can locally first (config, tools, flags, files), so a mistake
 * costs no upload; then uploads local files, creates the job and prints its id; `--follow` follows it.
 */
export async function submitCommand(ctx: CommandContext, options: SubmitOptions): CommandResult {
  const training = classifyFileArgument(options.trainingFile, '--training-file');
  const validation = options.validationFile ? classifyFileArgument(options.validationFile, '--validation-file') : undefined;
  const defaults = ctx.defaults();
  buildJobRequest(options, defaults, { training: 'file-unresolved', validation: validation ? 'file-unresolved' : undefined });

  const resolve = async (argument: typeof training): Promise<string> => {
    if (argument.kind === 'id') return argument.id;
    const file = await ctx.client.uploadFile(argument.path, 'fine-tune');
    ctx.io.err(`uploaded ${basename(argument.path)} as ${file.id} (${file.bytes} bytes)`);
    return file.id;
  };
  const files = { training: await resolve(training), validation: validation ? await resolve(validation) : undefined };
  const job = await ctx.client.createJob(buildJobRequest(options, defaults, files));
  ctx.io.err(`created ${job.id} (${job.model}, status ${job.status})`);
  ctx.io.out(job.id);
  if (!options.follow) return EXIT.ok;
  return followJob(ctx.client, job.id, ctx.io);
}
