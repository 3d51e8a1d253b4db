import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliError, UsageError } from '../cli-error';
import { EXIT } from '../exit-codes';
import type { CommandContext, CommandResult } from './command-context';

export interface DownloadOptions {
  out: string;
  adapter?: boolean;
  merged?: boolean;
  gguf?: boolean;
}

/** `--merged` (the default), `--adapter` or `--gguf`: the artifact's name in the gateway's artifacts listing. */
export function artifactNameFromOptions(options: DownloadOptions): 'merged' | 'adapter' | 'gguf' {
  const chosen = (['adapter', 'merged', 'gguf'] as const).filter((name) => options[name]);
  if (chosen.length > 1) throw new UsageError(`choose one of --adapter, --merged and --gguf`);
  return chosen[0] ?? 'merged';
}

/** Where an artifact's file goes under --out; a path that would leave it is refused. */
export function targetPath(outDir: string, filePath: string): string {
  const root = resolve(outDir);
  const target = resolve(root, filePath);
  if (target === root || relative(root, target).split(sep)[0] === '..') throw new CliError(`the gateway listed a file outside the artifact: ${filePath}`, EXIT.api);
  return target;
}

/**
 * `tuneforge download <job> [--adapter|--merged|--gguf] --out DIR`: every file of a succeeded job's merged model
 * (or PEFT adapter, or GGUF file with its Ollama Modelfile) into DIR. Each file is written beside its target, checked against the size and sha256
 * the artifact lists, then renamed into place, so DIR never holds a partial or corrupt file.
 */
export async function downloadCommand(ctx: CommandContext, jobId: string, options: DownloadOptions): CommandResult {
  const name = artifactNameFromOptions(options);
  const artifacts = await ctx.client.artifacts(jobId);
  const artifact = artifacts.find((candidate) => candidate.name === name);
  if (!artifact) {
    const job = await ctx.client.retrieveJob(jobId);
    const available = artifacts.map((a) => a.name).join(', ');
    throw new CliError(
      job.status === 'succeeded' ? `job ${jobId} has no '${name}' artifact (it has: ${available || 'none'})` : `job ${jobId} is ${job.status}: only a succeeded job has results to download`,
      EXIT.api,
    );
  }
  let total = 0;
  for (const file of artifact.files) {
    const target = targetPath(options.out, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      const body = await ctx.client.artifactFile(jobId, artifact.name, file.path);
      await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), count, createWriteStream(partial));
      const sha256 = hash.digest('hex');
      if (bytes !== file.bytes || sha256 !== file.sha256) {
        throw new CliError(`${file.path}: received ${bytes} bytes with sha256 ${sha256}; the artifact lists ${file.bytes} bytes with sha256 ${file.sha256}`, EXIT.api);
      }
      renameSync(partial, target);
    } finally {
      rmSync(partial, { force: true });
    }
    total += bytes;
    ctx.io.err(`  ${file.path} (${bytes} bytes, sha256 ok)`);
  }
  ctx.io.out(`downloaded ${artifact.name} (${artifact.kind}) of ${jobId}: ${artifact.files.length} files, ${total} bytes, into ${join(resolve(options.out))}`);
  return EXIT.ok;
}
