import { z } from 'zod';
import { assertValidKey } from './artifact-key';
import { InvalidArtifactKeyError } from './errors';

/**
 * The commit marker of a multi-file artifact (checkpoint, model, report): written last, create-only,
 * at `<prefix>/MANIFEST.json`. Until it exists the artifact does not exist for readers, so a writer
 * killed half-way leaves nothing that anyone will trust.
 */
export const MANIFEST_FILE_NAME = 'MANIFEST.json';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256');

export const artifactFileEntrySchema = z.object({
  /** Relative to the artifact prefix. */
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: sha256Hex,
});

export const artifactManifestSchema = z.object({
  formatVersion: z.literal(1),
  /** What the artifact is (checkpoint, model, report, ...); the producing service names it. */
  kind: z.string().min(1),
  createdAt: z.iso.datetime(),
  files: z.array(artifactFileEntrySchema),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type ArtifactFileEntry = z.infer<typeof artifactFileEntrySchema>;
export type ArtifactManifest = z.infer<typeof artifactManifestSchema>;

/** An artifact prefix names a "directory": validated like a key, written without a trailing `/`. */
export function normalizeArtifactPrefix(prefix: string): string {
  const normalized = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  assertValidKey(normalized);
  return normalized;
}

export function manifestKey(prefix: string): string {
  return `${normalizeArtifactPrefix(prefix)}/${MANIFEST_FILE_NAME}`;
}

/**
 * A file's path inside an artifact. A file named MANIFEST.json at any depth would be mistaken for
 * the commit marker of a nested artifact, so that name is reserved.
 */
export function assertValidArtifactFilePath(path: string): void {
  assertValidKey(path);
  if (path === MANIFEST_FILE_NAME || path.endsWith(`/${MANIFEST_FILE_NAME}`)) {
    throw new InvalidArtifactKeyError(path, `${MANIFEST_FILE_NAME} is reserved for the artifact's commit marker`);
  }
}
