import type { V1Container, V1EnvVar, V1Job, V1PodSpec, V1SecurityContext } from '@kubernetes/client-node';
import type { PodRunSpec } from '@tuneforge/contracts';

export const LABEL_TENANT = 'tuneforge.dev/tenant';
export const LABEL_JOB_ID = 'tuneforge.dev/job-id';
export const LABEL_RUN_ID = 'tuneforge.dev/run-id';
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** What the train-pod image runs for one training run (its default command is the train-pod service). */
export const TRAIN_POD_COMMAND = ['node', '-r', '@swc-node/register', 'apps/train-pod/src/run-training.ts'];

/** Kubernetes names and label values stop at 63 characters (the Job's name becomes its pods' `job-name` label). */
const MAX_NAME = 63;
const DEFAULT_NAME_PREFIX = 'tuneforge-train-';
/** The template leaves these to the cluster operator only when it sets none itself. */
export const FALLBACK_ACTIVE_DEADLINE_SECONDS = 86_400;
const FALLBACK_TTL_SECONDS_AFTER_FINISHED = 3_600;

export interface TrainingJobOptions {
  /** Overrides the template's image when set. */
  image?: string;
  /** `nvidia.com/gpu` requested and limited for the run. */
  gpus: number;
  /** Replaces the template's node selector when set. */
  nodeSelector?: Record<string, string>;
  /** Overrides the template's service account when set. */
  serviceAccountName?: string;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  /** The container's command when the template gives none (the image's default runs the service, not one run). */
  command: string[];
  /** Environment of the pod besides the run itself (threads, progress cadence, the operator's extras). */
  env: Record<string, string>;
  /** Makes each launch of a run a Job of its own: a relaunch after a crash must not collide with the dead one. */
  nameSuffix: string;
}

/** DNS-1123 label: lowercase letters, digits and `-`, starting and ending with a letter or digit. */
function dnsLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `<prefix><run id>-<suffix>`, cut so that the whole stays a DNS-1123 label of at most 63 characters. */
export function trainingJobName(runId: string, nameSuffix: string, prefix = DEFAULT_NAME_PREFIX): string {
  const suffix = dnsLabel(nameSuffix).slice(0, 16) || 'x';
  const head = dnsLabel(prefix).slice(0, 24);
  const room = MAX_NAME - suffix.length - (head ? head.length + 1 : 0) - 1;
  const body = dnsLabel(runId).slice(0, Math.max(room, 0)).replace(/-+$/, '');
  return [head, body, suffix].filter(Boolean).join('-');
}

/** A label value: at most 63 of letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, MAX_NAME)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The container that runs the training: the one named `train-pod`, else the template's first. */
export function trainingContainer(job: V1Job): V1Container {
  const containers = job.spec?.template.spec?.containers ?? [];
  const container = containers.find((c) => c.name === 'train-pod') ?? containers[0];
  if (!container) throw new Error('the training Job template has no container (spec.template.spec.containers)');
  return container;
}

function setEnv(container: V1Container, entry: V1EnvVar): void {
  const env = (container.env ??= []);
  const index = env.findIndex((e) => e.name === entry.name);
  if (index >= 0) env[index] = entry;
  else env.push(entry);
}

/**
 * The restricted Pod Security Standard, whatever the template says: the namespace enforces it, and a pod
 * that admission refuses would leave the Job waiting, silently, until its deadline.
 */
function restrict(context: V1SecurityContext | undefined): V1SecurityContext {
  const seccomp = context?.seccompProfile?.type === 'Localhost' ? context.seccompProfile : { type: 'RuntimeDefault' };
  return {
    ...context,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    seccompProfile: seccomp,
    capabilities: { drop: ['ALL'] },
  };
}

/**
 * The Job for one launch of a training run: the operator's template with the run filled in. The template
 * is not modified.
 */
export function buildTrainingJob(template: V1Job, spec: PodRunSpec, options: TrainingJobOptions): V1Job {
  const job = structuredClone(template);
  const { runId, jobId } = spec.request;
  const labels = { [LABEL_TENANT]: labelValue(spec.tenant), [LABEL_JOB_ID]: labelValue(jobId), [LABEL_RUN_ID]: labelValue(runId) };
  // Label values are cut to 63 characters; the annotations keep the ids whole.
  const annotations = { [LABEL_TENANT]: spec.tenant, [LABEL_JOB_ID]: jobId, [LABEL_RUN_ID]: runId };

  const metadata = (job.metadata ??= {});
  metadata.name = trainingJobName(runId, options.nameSuffix, metadata.generateName ?? DEFAULT_NAME_PREFIX);
  delete metadata.generateName;
  metadata.labels = { ...metadata.labels, ...labels };
  metadata.annotations = { ...metadata.annotations, ...annotations };

  const jobSpec = job.spec!;
  // One pod per launch: a pod that dies is launched again by the trainer as a new Job, which resumes from the
  // run's last checkpoint and counts against the run's attempts (TF_TRAIN_POD_MAX_ATTEMPTS). Disrupted pods
  // (the template's podFailurePolicy) are still replaced by the Job controller without counting.
  jobSpec.backoffLimit = 0;
  jobSpec.activeDeadlineSeconds = options.activeDeadlineSeconds ?? jobSpec.activeDeadlineSeconds ?? FALLBACK_ACTIVE_DEADLINE_SECONDS;
  jobSpec.ttlSecondsAfterFinished = options.ttlSecondsAfterFinished ?? jobSpec.ttlSecondsAfterFinished ?? FALLBACK_TTL_SECONDS_AFTER_FINISHED;

  const podTemplate = jobSpec.template;
  podTemplate.metadata = {
    ...podTemplate.metadata,
    labels: { ...podTemplate.metadata?.labels, ...labels },
    annotations: { ...podTemplate.metadata?.annotations, ...annotations },
  };
  const pod = podTemplate.spec!;
  pod.restartPolicy = 'Never';
  if (options.serviceAccountName) pod.serviceAccountName = options.serviceAccountName;
  if (options.nodeSelector) pod.nodeSelector = { ...options.nodeSelector };
  pod.securityContext = {
    ...pod.securityContext,
    runAsNonRoot: true,
    seccompProfile: pod.securityContext?.seccompProfile?.type === 'Localhost' ? pod.securityContext.seccompProfile : { type: 'RuntimeDefault' },
  };

  const container = trainingContainer(job);
  if (options.image) container.image = options.image;
  if (!container.command?.length) container.command = [...options.command];
  container.securityContext = restrict(container.securityContext);
  const gpus = String(options.gpus);
  container.resources = {
    ...container.resources,
    // An extended resource's request must equal its limit.
    requests: { ...container.resources?.requests, [GPU_RESOURCE]: gpus },
    limits: { ...container.resources?.limits, [GPU_RESOURCE]: gpus },
  };

  // The template's placeholders, then what the train-pod program reads (`podRunSpecSchema` in libs/contracts/src/training-pod, apps/train-pod/src/pod-env.ts).
  setEnv(container, { name: 'TF_RUN_ID', value: runId });
  setEnv(container, { name: 'TF_TASK_ID', value: spec.requestMessageId });
  setEnv(container, { name: 'TF_CORRELATION_ID', value: jobId });
  for (const [name, value] of Object.entries(options.env)) setEnv(container, { name, value });
  // A pod in the cluster is a Kafka client of its own: the trainer has no channel into it.
  setEnv(container, { name: 'TF_POD_BUS', value: 'kafka' });
  setEnv(container, { name: 'TF_POD_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  setEnv(container, { name: 'TF_TRAINING_RUN', value: JSON.stringify(spec) });

  ensureSharedMemory(pod, container);
  return job;
}

/** NCCL and pinned-memory transfers need more than the container runtime's 64 MiB of /dev/shm. */
function ensureSharedMemory(pod: V1PodSpec, container: V1Container): void {
  const volumes = pod.volumes ?? [];
  const inMemory = new Set(volumes.filter((v) => v.emptyDir?.medium === 'Memory').map((v) => v.name));
  if ((container.volumeMounts ?? []).some((m) => m.mountPath === '/dev/shm' && inMemory.has(m.name))) return;
  const name = volumes.some((v) => v.name === 'dshm') ? 'tuneforge-dshm' : 'dshm';
  pod.volumes = [...volumes, { name, emptyDir: { medium: 'Memory' } }];
  container.volumeMounts = [...(container.volumeMounts ?? []).filter((m) => m.mountPath !== '/dev/shm'), { name, mountPath: '/dev/shm' }];
}
