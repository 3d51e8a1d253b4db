import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../cli-error';
import { EXIT } from '../exit-codes';
import type { CommandContext, CommandResult } from './command-context';

/** `tuneforge upload <file>`: prints the new file's id on stdout (and a description on stderr). */
export async function uploadCommand(ctx: CommandContext, path: string, options: { purpose: string }): CommandResult {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`upload ${path}: no such file`);
  const file = await ctx.client.uploadFile(path, options.purpose);
  ctx.io.err(`uploaded ${basename(path)} as ${file.id} (${file.bytes} bytes, purpose ${file.purpose})`);
  ctx.io.out(file.id);
  return EXIT.ok;
}
