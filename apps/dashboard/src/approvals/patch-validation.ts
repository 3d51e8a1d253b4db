/** The outcome of checking an edited patch before it is sent: the patch, or what is wrong with it and where. */
export type PatchCheck = { ok: true; patch: Record<string, unknown> } | { ok: false; message: string; line?: number };

/** The 1-based line of a character offset in the text. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Where JSON.parse stopped, from its message (engines word it differently: "at position 42", "line 3 column 5"). */
function syntaxErrorLine(text: string, message: string): number | undefined {
  const line = /line (\d+)/i.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/i.exec(message);
  return position ? lineAt(text, Number(position[1])) : undefined;
}

/** The text as a JSON merge patch: valid JSON, an object, not empty. */
export function parsePatch(text: string): PatchCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const line = syntaxErrorLine(text, message);
    return { ok: false, message: `Not valid JSON${line ? ` (line ${line})` : ''}: ${message}`, line };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, message: 'The patch must be a JSON object: keys of the job configuration, e.g. {"training": {"epochs": 4}}.' };
  if (Object.keys(parsed).length === 0) return { ok: false, message: 'The patch is empty: it would change nothing.' };
  return { ok: true, patch: parsed as Record<string, unknown> };
}

/**
 * The patch checked as the gateway checks an `edit` answer: merged into the configuration the question is about and
 * validated with the job configuration's own schema (@tuneforge/contracts, loaded on first use so that the rest of the
 * dashboard does not carry it), so a misspelt key or an out-of-range value is named before anything is sent. Without
 * that configuration only the JSON is checked; the gateway has the last word either way (TF_JOB_LIMITS included).
 */
export async function checkPatch(text: string, config: unknown): Promise<PatchCheck> {
  const parsed = parsePatch(text);
  if (!parsed.ok || config === undefined) return parsed;
  const { applyJobPatch, JobPatchError } = await import('@tuneforge/contracts/src/evaluation/apply-job-patch');
  const { jobConfigSchema } = await import('@tuneforge/contracts/src/config/job-config.schema');
  const base = jobConfigSchema.safeParse(config);
  if (!base.success) return parsed;
  try {
    applyJobPatch(base.data, parsed.patch);
    return parsed;
  } catch (error) {
    if (!(error instanceof JobPatchError)) throw error;
    // The first line is the patch itself; the field lines follow.
    return { ok: false, message: error.message.split('\n').slice(1).join('\n').trim() || error.message };
  }
}
