import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const SCHEMA_LOCATION = join(REPO_ROOT, 'k8s', 'schemas', '{{ .ResourceKind }}{{ .KindSuffix }}.json');
export const OVERLAYS = ['dev', 'prod'] as const;
export const TRAINING_JOB_TEMPLATE = join(REPO_ROOT, 'k8s', 'base', 'training', 'job.yaml');

function pinnedVersions(): Record<string, string> {
  const text = readFileSync(join(__dirname, '..', 'versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

/** The binaries install-tools.sh puts in the cache (run it first: the Nx targets do). */
export function toolPath(tool: 'kustomize' | 'kubeconform'): string {
  const version = pinnedVersions()[`${tool.toUpperCase()}_VERSION`];
  const cache = process.env.TUNEFORGE_CACHE ?? join(homedir(), '.cache', 'tuneforge');
  return join(cache, 'bin', `${tool}-${version}`, tool);
}

export function renderOverlay(overlay: string): string {
  return execFileSync(toolPath('kustomize'), ['build', join(REPO_ROOT, 'k8s', 'overlays', overlay)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

export interface KubeconformResult {
  readonly ok: boolean;
  /** kubeconform's own lines: one per invalid resource, then the summary. */
  readonly output: string;
}

/** Strict validation against the committed schemas only: never a download, never a skipped kind. */
export function kubeconform(yamlText: string): KubeconformResult {
  const result = spawnSync(
    toolPath('kubeconform'),
    ['-strict', '-summary', '-output', 'text', '-schema-location', SCHEMA_LOCATION, '-'],
    { input: yamlText, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
