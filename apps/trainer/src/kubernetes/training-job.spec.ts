import type { V1Job } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { sampleJobOptions, sampleRunSpec } from './sample-run';
import { buildTrainingJob, labelValue, trainingContainer, trainingJobName } from './training-job';
import { loadTrainingJobTemplate, parseTrainingJobTemplate } from './training-job-template';

const dns1123Label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const template = loadTrainingJobTemplate(undefined);

function envOf(job: V1Job): Record<string, unknown> {
  return Object.fromEntries((trainingContainer(job).env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
}

describe('the training Job of a run', () => {
  const spec = sampleRunSpec();
  const job = buildTrainingJob(template, spec, sampleJobOptions);
  const pod = job.spec!.template.spec!;
  const container = trainingContainer(job);

  it('is named after the run, as a DNS-1123 label, unique per launch', () => {
    expect(job.metadata?.name).toBe('tuneforge-train-run-alpha-01-k3x9q');
    expect(job.metadata?.generateName).toBeUndefined();
    const other = buildTrainingJob(template, spec, { ...sampleJobOptions, nameSuffix: 'z9z9z' });
    expect(other.metadata?.name).toBe('tuneforge-train-run-alpha-01-z9z9z');
  });

  it('carries tenant, job and run labels on the Job and its pods, with the whole ids in annotations', () => {
    const labels = { 'tuneforge.dev/tenant': 'acme', 'tuneforge.dev/job-id': 'ftjob-42', 'tuneforge.dev/run-id': 'run-Alpha_01' };
    expect(job.metadata?.labels).toMatchObject({ ...labels, 'app.kubernetes.io/component': 'training' });
    expect(job.spec?.template.metadata?.labels).toMatchObject(labels);
    expect(job.metadata?.annotations).toMatchObject(labels);
  });

  it('hands the run to the pod as TF_TRAINING_RUN (the run spec as JSON) with the bus and the template placeholders', () => {
    const env = envOf(job);
    expect(JSON.parse(env.TF_TRAINING_RUN as string)).toEqual(spec);
    expect(env).toMatchObject({
      TF_POD_BUS: 'kafka',
      TF_RUN_ID: 'run-Alpha_01',
      TF_TASK_ID: 'msg-7f3a',
      TF_CORRELATION_ID: 'ftjob-42',
      TF_POD_THREADS: '0',
      TF_POD_PROGRESS_EVERY: '5',
      TF_POD_INSTANCE_ID: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    // No placeholder of the template is left.
    expect(Object.values(env)).not.toContain('unset');
    expect(Object.values(job.metadata?.labels ?? {})).not.toContain('unset');
  });

  it('runs the configured image with the one-run command and the configured GPUs', () => {
    expect(container.image).toBe('registry.example.com/tuneforge/train-pod:1.2.3');
    expect(container.command).toEqual(['node', '-r', '@swc-node/register', 'apps/train-pod/src/run-training.ts']);
    expect(container.resources?.limits).toMatchObject({ 'nvidia.com/gpu': '2', memory: '64Gi' });
    expect(container.resources?.requests).toMatchObject({ 'nvidia.com/gpu': '2' });
  });

  it('lands on GPU nodes with an in-memory /dev/shm', () => {
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    const shm = container.volumeMounts?.find((m) => m.mountPath === '/dev/shm');
    expect(pod.volumes?.find((v) => v.name === shm?.name)?.emptyDir?.medium).toBe('Memory');
  });

  it('runs restricted: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.serviceAccountName).toBe('train-pod');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe('Never');
  });

  it('is bounded in time, never retried by Kubernetes (the trainer relaunches), and cleaned up', () => {
    expect(job.spec).toMatchObject({ activeDeadlineSeconds: 86400, backoffLimit: 0, ttlSecondsAfterFinished: 3600 });
  });

  it('takes the operator overrides and leaves the template untouched', () => {
    const before = structuredClone(template);
    const custom = buildTrainingJob(template, spec, {
      ...sampleJobOptions,
      image: undefined,
      nodeSelector: { pool: 'h100' },
      serviceAccountName: 'gpu-runner',
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 60,
    });
    expect(trainingContainer(custom).image).toBe('tuneforge/train-pod:latest');
    expect(custom.spec?.template.spec?.nodeSelector).toEqual({ pool: 'h100' });
    expect(custom.spec?.template.spec?.serviceAccountName).toBe('gpu-runner');
    expect(custom.spec).toMatchObject({ activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 60 });
    expect(template).toEqual(before);
  });

  it('restores the restricted settings and /dev/shm that a loosened template dropped', () => {
    const loose = structuredClone(template);
    const looseContainer = trainingContainer(loose);
    looseContainer.securityContext = { privileged: true, allowPrivilegeEscalation: true, capabilities: { add: ['SYS_ADMIN'] } };
    looseContainer.volumeMounts = looseContainer.volumeMounts?.filter((m) => m.mountPath !== '/dev/shm');
    const built = buildTrainingJob(loose, spec, sampleJobOptions);
    expect(trainingContainer(built).securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const shm = trainingContainer(built).volumeMounts?.find((m) => m.mountPath === '/dev/shm');
    expect(built.spec?.template.spec?.volumes?.find((v) => v.name === shm?.name)?.emptyDir?.medium).toBe('Memory');
  });
});

describe('names and label values', () => {
  it('keeps a long or odd run id within 63 DNS-1123 characters', () => {
    const name = trainingJobName(`Run_${'x'.repeat(120)}--`, 'ab12c');
    expect(name).toMatch(dns1123Label);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.endsWith('-ab12c')).toBe(true);
    expect(trainingJobName('---', 'ab12c')).toBe('tuneforge-train-ab12c');
  });

  it('cuts label values to 63 characters that start and end with a letter or digit', () => {
    expect(labelValue('acme_')).toBe('acme');
    expect(labelValue('a'.repeat(62) + '_b')).toBe('a'.repeat(62));
    const long = labelValue(`r${'-'.repeat(70)}`);
    expect(long).toBe('r');
  });

  it('keeps the whole run id in the annotations when the label is cut', () => {
    const runId = `r${'0'.repeat(100)}`;
    const job = buildTrainingJob(template, sampleRunSpec({ runId }), sampleJobOptions);
    expect(job.metadata?.labels?.['tuneforge.dev/run-id']).toHaveLength(63);
    expect(job.metadata?.annotations?.['tuneforge.dev/run-id']).toBe(runId);
  });
});

describe('the training Job template', () => {
  it('is read from the mounted file when one is configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-template-'));
    const custom = structuredClone(template);
    trainingContainer(custom).image = 'mirror.local/train-pod:7';
    writeFileSync(join(dir, 'job.yaml'), stringify(custom));
    expect(trainingContainer(loadTrainingJobTemplate(join(dir, 'job.yaml'))).image).toBe('mirror.local/train-pod:7');
  });

  it('names the file and the field when the template is not a usable Job', () => {
    expect(() => loadTrainingJobTemplate('/nonexistent/job.yaml')).toThrow(/TF_TRAINING_JOB_TEMPLATE: cannot read \/nonexistent\/job\.yaml/);
    expect(() => parseTrainingJobTemplate('apiVersion: batch/v1\nkind: Deployment\n', 'job.yaml')).toThrow(/^job\.yaml: kind: /);
    expect(() => parseTrainingJobTemplate('apiVersion: batch/v1\nkind: Job\nspec: {template: {spec: {containers: []}}}\n', 'job.yaml')).toThrow(
      /job\.yaml: spec\.template\.spec\.containers: /,
    );
    expect(() => parseTrainingJobTemplate('a: 1\n---\nb: 2\n', 'two.yaml')).toThrow(/two\.yaml: expected exactly one YAML document/);
  });
});
