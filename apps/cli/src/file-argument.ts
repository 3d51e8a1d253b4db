import { fileIdSchema } from '@tuneforge/contracts';
import { existsSync, statSync } from 'node:fs';
import { UsageError } from './cli-error';

export type FileArgument = { kind: 'id'; id: string } | { kind: 'path'; path: string };

/**
 * `--training-file` takes an uploaded file's id or a local path (uploaded first). A local file wins when
 * both could be meant; something that is neither is a usage error.
 */
export function classifyFileArgument(value: string, flag: string): FileArgument {
  if (existsSync(value)) {
    if (!statSync(value).isFile()) throw new UsageError(`${flag} ${value}: not a regular file`);
    return { kind: 'path', path: value };
  }
  if (fileIdSchema.safeParse(value).success) return { kind: 'id', id: value };
  throw new UsageError(`${flag} ${value}: no such local file, and not a file id (file-...)`);
}
