/**
 * Model names as the OpenAI API spells them. A registered base model goes by its name (`tiny-llama`); a job's
 * fine-tuned model is `ft:<base>:<owner>:<suffix>:<short job id>` and each of its checkpoints that name plus
 * `:ckpt-step-<n>` (OpenAI's shapes; the suffix is empty when the request gave none). The name is all a
 * client needs: the registry (`ModelRegistry` in `@tuneforge/storage`) maps it to the artifact it serves.
 */

/** A base model's name: what `models add` registers and a job's `model` names. */
export const BASE_MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Characters a part of an `ft:` name may hold (OpenAI keeps suffixes to letters, digits, `-` and `_`). */
const PART = /[^A-Za-z0-9._-]/g;

export interface FineTunedModelName {
  base: string;
  owner: string;
  suffix: string;
  jobShortId: string;
  /** Set for a checkpoint's name. */
  checkpointStep?: number;
}

/** The short id in an `ft:` name: the job id's last 8 letters and digits (random, unique among a tenant's jobs in practice). */
export function jobShortId(jobId: string): string {
  return jobId.replace(/[^A-Za-z0-9]/g, '').slice(-8);
}

/** The name of a job's fine-tuned model (or, with `checkpointStep`, of one of its checkpoints). */
export function fineTunedModelName(parts: { base: string; owner: string; suffix?: string | null; jobId: string; checkpointStep?: number }): string {
  const clean = (value: string) => value.replace(PART, '-');
  // A model tuned from a tuned model keeps the root base's name, as OpenAI's continued fine-tuning does.
  const base = parseFineTunedModelName(parts.base)?.base ?? parts.base;
  const name = `ft:${clean(base)}:${clean(parts.owner)}:${clean(parts.suffix ?? '')}:${jobShortId(parts.jobId)}`;
  return parts.checkpointStep === undefined ? name : `${name}:ckpt-step-${parts.checkpointStep}`;
}

/** The parts of an `ft:` name; undefined for any other string. */
export function parseFineTunedModelName(name: string): FineTunedModelName | undefined {
  const match = /^ft:([A-Za-z0-9._-]+):([A-Za-z0-9._-]+):([A-Za-z0-9._-]*):([A-Za-z0-9]{1,64})(?::ckpt-step-(\d{1,12}))?$/.exec(name);
  if (!match) return undefined;
  const [, base, owner, suffix, jobShortId, step] = match;
  return { base, owner, suffix, jobShortId, ...(step !== undefined ? { checkpointStep: Number(step) } : {}) };
}

/** Whether a string is a name the platform could know: a base model's name or an `ft:` name. */
export function isModelName(name: string): boolean {
  return BASE_MODEL_NAME.test(name) || parseFineTunedModelName(name) !== undefined;
}
