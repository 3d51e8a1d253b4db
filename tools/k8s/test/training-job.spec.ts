// The Job the trainer creates for a run (apps/trainer's builder, from the shipped template) passes kubeconform
// in strict mode and the policy check, as the manifests applied by hand do; a broken one does not. And the
// template the trainer embeds is the file the ConfigMap ships.
import { parsePodRunSpec } from '@tuneforge/contracts';
import { DEFAULT_TRAINING_JOB_TEMPLATE } from '@tuneforge/trainer/src/kubernetes/default-training-job-template';
import { sampleJobOptions, sampleRunSpec } from '@tuneforge/trainer/src/kubernetes/sample-run';
import { buildTrainingJob, trainingContainer } from '@tuneforge/trainer/src/kubernetes/training-job';
import { loadTrainingJobTemplate } from '@tuneforge/trainer/src/kubernetes/training-job-template';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { formatViolations } from '../src/policy';
import { TRAINING_JOB_TEMPLATE } from '../src/tools';
import { validateManifests } from '../src/validate';

const validate = (job: object) => validateManifests('generated training Job', stringify(job), { wholeDeployment: false });

describe('the training Job the trainer generates', () => {
  const template = loadTrainingJobTemplate(TRAINING_JOB_TEMPLATE);
  const spec = sampleRunSpec({ runId: `Run_${'9'.repeat(100)}`, tenant: 'acme-' });
  const job = buildTrainingJob(template, spec, sampleJobOptions);

  it('passes kubeconform in strict mode against the committed schemas', () => {
    const report = validate(job);
    expect(report.schema.output).toMatch(/Valid: 1, Invalid: 0, Errors: 0, Skipped: 0/);
    expect(report.schema.ok).toBe(true);
  });

  it('passes the policy check (restricted pod, GPU limit, node selector, toleration, /dev/shm, bounds)', () => {
    expect(formatViolations(validate(job).violations)).toBe('');
  });

  it('carries a run the train-pod program accepts', () => {
    const env = trainingContainer(job).env?.find((e) => e.name === 'TF_TRAINING_RUN');
    expect(parsePodRunSpec(env!.value!)).toEqual(spec);
  });

  it('is rejected by the policy check when privileged and without a GPU limit', () => {
    const broken = structuredClone(job);
    const container = trainingContainer(broken);
    container.securityContext = { ...container.securityContext, privileged: true, allowPrivilegeEscalation: true };
    delete container.resources!.limits!['nvidia.com/gpu'];
    delete container.resources!.requests!['nvidia.com/gpu'];
    const report = validate(broken);
    expect(report.schema.ok).toBe(true);
    expect(report.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual(
      expect.arrayContaining([
        'not-privileged: container "train-pod": privileged must not be true',
        'no-privilege-escalation: container "train-pod": allowPrivilegeEscalation must be false',
        'training-job: a container must limit nvidia.com/gpu',
      ]),
    );
  });

  it('is rejected by kubeconform when a field has the wrong type or is unknown', () => {
    const broken = structuredClone(job) as unknown as { spec: Record<string, unknown> };
    broken.spec.backoffLimit = 'none';
    broken.spec.retries = 3;
    const report = validate(broken);
    expect(report.schema.ok).toBe(false);
    expect(report.schema.output).toMatch(/backoffLimit/);
    expect(report.schema.output).toMatch(/additional properties 'retries' not allowed/);
  });
});

describe('the training Job template the trainer embeds', () => {
  it('is k8s/base/training/job.yaml, character for character', () => {
    expect(DEFAULT_TRAINING_JOB_TEMPLATE).toBe(readFileSync(TRAINING_JOB_TEMPLATE, 'utf8'));
  });
});
