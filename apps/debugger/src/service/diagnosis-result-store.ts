import type { diagnosisRunCompletedV1, PayloadOf } from '@tuneforge/contracts';
import { ArtifactNotCommittedError, ArtifactWriter, openArtifact, type ArtifactStore } from '@tuneforge/storage';

type Result = PayloadOf<typeof diagnosisRunCompletedV1>;

export const DIAGNOSIS_ARTIFACT_KIND = 'diagnosis';
const RESULT_FILE = 'result.json';

/** A task's answer lives under its job and task id, so a re-sent task finds the answer it was already given. */
export function diagnosisPrefix(jobId: string, taskId: string): string {
  return `jobs/${jobId}/diagnosis/${taskId}`;
}

/** The answer an earlier delivery of this task committed, if any. */
export async function findStoredResult(store: ArtifactStore, prefix: string): Promise<Result | undefined> {
  try {
    const artifact = await openArtifact(store, prefix);
    return JSON.parse((await artifact.readFile(RESULT_FILE)).toString('utf8')) as Result;
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError) return undefined;
    throw error;
  }
}

/**
 * Commits a succeeded answer (findings and explanation) before it is published: a redelivered request, or the
 * same task sent again, gets these exact findings and the same prose, not a second LLM call that may differ.
 */
export async function storeResult(store: ArtifactStore, prefix: string, result: Result, requestMessageId: string): Promise<void> {
  const writer = await ArtifactWriter.begin(store, prefix, {
    kind: DIAGNOSIS_ARTIFACT_KIND,
    metadata: { jobId: result.jobId, taskId: result.taskId, iteration: result.iteration, requestMessageId },
    replaceUncommitted: true,
  });
  await writer.addFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`, { contentType: 'application/json' });
  await writer.commit();
}
