// The deployed trainer as the rendered manifests describe it, and the training Job it creates: apps/trainer's own
// configuration parsing, Job options and builder, fed with what Kubernetes would give the trainer's container.
import type { V1Job } from '@kubernetes/client-node';
import { sampleRunSpec } from '@tuneforge/trainer/src/kubernetes/sample-run';
import { buildTrainingJob } from '@tuneforge/trainer/src/kubernetes/training-job';
import { trainingJobOptions } from '@tuneforge/trainer/src/kubernetes/training-job-options';
import { parseTrainingJobTemplate } from '@tuneforge/trainer/src/kubernetes/training-job-template';
import { resolveTrainerConfig } from '@tuneforge/trainer/src/trainer-config';
import { basename, dirname } from 'node:path';
import type { Manifest } from '../src/policy';

export function findManifest(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!found) throw new Error(`the rendered manifests have no ${kind} ${name}`);
  return found;
}

/**
 * The deployed trainer: its identity, and the Job it creates for a run — its environment as Kubernetes gives it (the
 * envFrom ConfigMaps, then the literal env; the namespace from the downward API), the template from the ConfigMap
 * mounted where TF_TRAINING_JOB_TEMPLATE points, then the trainer's own code.
 */
export function deployedTrainer(manifests: readonly Manifest[]): { username: string; namespace: string; job: V1Job } {
  const deployment = findManifest(manifests, 'Deployment', 'trainer');
  const namespace: string = deployment.metadata.namespace;
  const pod: Manifest = deployment.spec.template.spec;
  const container: Manifest = pod.containers.find((c: Manifest) => c.name === 'trainer');
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, findManifest(manifests, 'ConfigMap', source.configMapRef.name).data);
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (entry.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[entry.name] = namespace;
  }
  const config = resolveTrainerConfig(env);
  const templatePath = config.TF_TRAINING_JOB_TEMPLATE!;
  const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === dirname(templatePath));
  const volume = pod.volumes.find((v: Manifest) => v.name === mount.name);
  const template = parseTrainingJobTemplate(findManifest(manifests, 'ConfigMap', volume.configMap.name).data[basename(templatePath)], templatePath);
  // Plain values only, as the trainer adds them (the run's minted storage keys, threads, progress cadence, trace
  // context: apps/trainer's KubernetesJobLauncher): none is a policy's concern.
  const podEnv = {
    TF_STORAGE_DRIVER: 'minio',
    TF_S3_ENDPOINT: 'http://minio:9000',
    TF_S3_ACCESS_KEY: 'RUNSCOPEDKEY0000000',
    TF_S3_SECRET_KEY: 'run-scoped-secret',
    TF_S3_SESSION_TOKEN: 'eyJhbGciOiJIUzUxMiJ9.run-scoped-token',
    TF_S3_BUCKET: 'tuneforge',
    TF_S3_REGION: 'us-east-1',
    TF_S3_CREDENTIALS_EXPIRE_AT: '2026-01-02T00:05:00.000Z',
    TF_POD_THREADS: '0',
    TF_POD_PROGRESS_EVERY: '5',
    TRACEPARENT: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  };
  const job = buildTrainingJob(template, sampleRunSpec(), { ...trainingJobOptions(config, podEnv), nameSuffix: 'k3x9q' });
  return { username: `system:serviceaccount:${namespace}:${pod.serviceAccountName}`, namespace, job };
}
