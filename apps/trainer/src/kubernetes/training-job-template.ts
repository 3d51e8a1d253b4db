import type { V1Job } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { DEFAULT_TRAINING_JOB_TEMPLATE } from './default-training-job-template';

/**
 * The little the trainer relies on in the operator's template; everything else passes through as written
 * (the API server validates the rest when the Job is created, tools/k8s validates the shipped file in CI).
 */
const templateShape = z
  .object({
    apiVersion: z.literal('batch/v1'),
    kind: z.literal('Job'),
    metadata: z.object({ generateName: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }).passthrough().optional(),
    spec: z
      .object({
        template: z.object({
          spec: z.object({ containers: z.array(z.object({ name: z.string().min(1) }).passthrough()).min(1) }).passthrough(),
        }).passthrough(),
      })
      .passthrough(),
  })
  .passthrough();

export class TrainingJobTemplateError extends Error {
  override readonly name = 'TrainingJobTemplateError';
}

/** Parses a training Job template; `source` (a path, or "the embedded default") names it in errors. */
export function parseTrainingJobTemplate(text: string, source: string): V1Job {
  const documents = parseAllDocuments(text).filter((doc) => doc.contents !== null);
  if (documents.length !== 1) throw new TrainingJobTemplateError(`${source}: expected exactly one YAML document (a batch/v1 Job), found ${documents.length}`);
  const [document] = documents;
  if (document.errors.length > 0) {
    const [error] = document.errors;
    throw new TrainingJobTemplateError(`${source}:${error.linePos?.[0].line ?? '?'}: invalid YAML: ${error.message}`);
  }
  const parsed = templateShape.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainingJobTemplateError(`${source}: ${issue.path.join('.') || '(document)'}: ${issue.message}`);
  }
  return parsed.data as V1Job;
}

/** The template at `path` (the ConfigMap the trainer mounts), or the one shipped with the trainer. */
export function loadTrainingJobTemplate(path: string | undefined): V1Job {
  if (!path) return parseTrainingJobTemplate(DEFAULT_TRAINING_JOB_TEMPLATE, 'the embedded training Job template');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TrainingJobTemplateError(`TF_TRAINING_JOB_TEMPLATE: cannot read ${path}: ${(error as Error).message}`);
  }
  return parseTrainingJobTemplate(text, path);
}
