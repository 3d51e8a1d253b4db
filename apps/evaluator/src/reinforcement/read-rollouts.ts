import { rolloutRecordSchema, type RolloutRecord } from '@tuneforge/contracts';
import type { ArtifactStore } from '@tuneforge/storage';

/** Recorded steps shown in the report at most (evenly spaced, the first and last kept). */
export const REPORTED_ROLLOUT_STEPS = 12;
/** A step file larger than this is not read (the pod writes at most 32 episodes of cut texts: well under 1 MiB). */
const MAX_STEP_FILE_BYTES = 8 * 1024 * 1024;

/**
 * The training rollouts a reinforcement run recorded (`<prefix>/step-<n>.jsonl`, one rollout record a line), for the
 * report: the episodes of up to REPORTED_ROLLOUT_STEPS recorded steps, evenly spaced, in step order, and how many steps
 * were recorded. A line that is not a rollout record is named in `problems` and left out; the report goes on.
 */
export async function readRollouts(store: ArtifactStore, prefix: string): Promise<{ records: RolloutRecord[]; recordedSteps: number; problems: string[] }> {
  const keys: string[] = [];
  for await (const listing of store.list(`${prefix}/`)) if (/\/step-\d+\.jsonl$/.test(listing.key)) keys.push(listing.key);
  keys.sort();
  const chosen = evenlySpaced(keys, REPORTED_ROLLOUT_STEPS);
  const records: RolloutRecord[] = [];
  const problems: string[] = [];
  for (const key of chosen) {
    const text = (await store.getBuffer(key, { maxBytes: MAX_STEP_FILE_BYTES })).toString('utf8');
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        problems.push(`${key} line ${i + 1}: not JSON`);
        return;
      }
      const parsed = rolloutRecordSchema.safeParse(value);
      if (parsed.success) records.push(parsed.data);
      else problems.push(`${key} line ${i + 1}: not a rollout record (${parsed.error.issues[0]?.path.join('.') || 'the line'}: ${parsed.error.issues[0]?.message})`);
    });
  }
  return { records, recordedSteps: keys.length, problems };
}

/** At most `n` items of `items`, evenly spaced, the first and the last included. */
function evenlySpaced<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]);
}
