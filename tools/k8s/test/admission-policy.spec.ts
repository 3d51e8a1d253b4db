// The admission policy that holds the trainer to its training Job template (k8s/base/training/admission-policy.yaml),
// as each overlay renders it, run with a conformance-tested CEL evaluator (src/admission.ts) on the Job the deployed
// trainer really builds: apps/trainer's own options and builder, fed with the rendered trainer Deployment's
// environment and the template from the ConfigMap it mounts. That Job is admitted; each way of widening it is
// refused with a message naming what was refused; nobody but the trainer is held to it.
import type { V1Container, V1Job } from '@kubernetes/client-node';
import { trainingContainer } from '@tuneforge/trainer/src/kubernetes/training-job';
import { stringify } from 'yaml';
import { admit, type AdmissionRequest, type ValidatingAdmissionPolicy } from '../src/admission';
import { deployedTrainer, findManifest as find } from './deployed-trainer';
import { parseManifests, type Manifest } from '../src/policy';
import { kubeconform, OVERLAYS, renderOverlay } from '../src/tools';

const POLICY = 'tuneforge-trainer-jobs';
const PARAMS = 'tuneforge-trainer-job-policy';

describe.each(OVERLAYS)('the trainer admission policy in overlay %s', (overlay) => {
  const manifests = parseManifests(renderOverlay(overlay));
  const policy = find(manifests, 'ValidatingAdmissionPolicy', POLICY) as ValidatingAdmissionPolicy;
  const binding = find(manifests, 'ValidatingAdmissionPolicyBinding', POLICY);
  const params = find(manifests, 'ConfigMap', PARAMS);
  const trainer = deployedTrainer(manifests);
  const request = (username = trainer.username, operation: AdmissionRequest['operation'] = 'CREATE'): AdmissionRequest => ({
    operation,
    resource: { group: 'batch', version: 'v1', resource: 'jobs' },
    namespace: trainer.namespace,
    userInfo: { username, groups: ['system:serviceaccounts', `system:serviceaccounts:${trainer.namespace}`, 'system:authenticated'] },
  });
  const denials = (job: V1Job, withParams: Manifest = params) => {
    const outcome = admit(policy, { request: request(), object: job, params: withParams });
    if (!outcome.applies) throw new Error(`the policy does not apply to the trainer: ${outcome.reason}`);
    return outcome.denials;
  };
  /** The real Job, changed by `change`. */
  const widened = (change: (job: V1Job, container: V1Container) => void): V1Job => {
    const job = structuredClone(trainer.job);
    change(job, trainingContainer(job));
    return job;
  };
  const from = `ConfigMap ${PARAMS}`;

  it('is bound with Deny to the parameters the overlay ships, in the trainer namespace', () => {
    expect(binding.spec).toEqual({
      policyName: POLICY,
      validationActions: ['Deny'],
      paramRef: { name: PARAMS, namespace: trainer.namespace, parameterNotFoundAction: 'Deny' },
    });
    expect(policy.spec).toMatchObject({ failurePolicy: 'Fail', paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } });
    expect(params.metadata.namespace).toBe(trainer.namespace);
  });

  it('admits the Job the deployed trainer builds, on create and on update', () => {
    expect(denials(trainer.job)).toEqual([]);
    expect(admit(policy, { request: request(trainer.username, 'UPDATE'), object: trainer.job, params })).toEqual({ applies: true, denials: [] });
  });

  it.each<[string, (job: V1Job, container: V1Container) => void, string]>([
    ['another image', (_job, c) => (c.image = 'evil.example.com/miner:1'), `container train-pod image evil.example.com/miner:1 is not an allowed image (the image.* values of ${from})`],
    [
      'an init container with another image',
      (job) => (job.spec!.template.spec!.initContainers = [{ name: 'fetch', image: 'busybox:1.36', securityContext: { allowPrivilegeEscalation: false } }]),
      `container fetch image busybox:1.36 is not an allowed image (the image.* values of ${from})`,
    ],
    ['an ephemeral container', (job) => (job.spec!.template.spec!.ephemeralContainers = [{ name: 'debug', image: 'tuneforge/train-pod:latest' }]), 'ephemeral containers are not allowed'],
    [
      'an extra Secret in envFrom',
      (_job, c) => c.envFrom!.push({ secretRef: { name: 'tuneforge-postgres' } }),
      `container train-pod envFrom secretRef tuneforge-postgres is not an allowed Secret (the secret.* values of ${from})`,
    ],
    [
      'a Secret key in env',
      (_job, c) => c.env!.push({ name: 'PW', valueFrom: { secretKeyRef: { name: 'minio-root', key: 'MINIO_ROOT_PASSWORD' } } }),
      `container train-pod env PW secretKeyRef minio-root is not an allowed Secret (the secret.* values of ${from})`,
    ],
    [
      'a volume of another Secret',
      (job) => job.spec!.template.spec!.volumes!.push({ name: 'keys', secret: { secretName: 'tuneforge-api-keys' } }),
      `volume keys secret tuneforge-api-keys is not an allowed Secret (the secret.* values of ${from})`,
    ],
    [
      'an image pull Secret that is not allowed',
      (job) => (job.spec!.template.spec!.imagePullSecrets = [{ name: 'tuneforge-s3-trainer' }]),
      `imagePullSecrets tuneforge-s3-trainer is not an allowed Secret (the secret.* values of ${from})`,
    ],
    [
      'a hostPath volume',
      (job) => job.spec!.template.spec!.volumes!.push({ name: 'host', hostPath: { path: '/' } }),
      'volume host (hostPath) is not allowed (emptyDir, configMap, downwardAPI, secret only)',
    ],
    [
      'a projected service account token',
      (job) => job.spec!.template.spec!.volumes!.push({ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }),
      'volume token (projected) is not allowed (emptyDir, configMap, downwardAPI, secret only)',
    ],
    ['a privileged container', (_job, c) => (c.securityContext!.privileged = true), 'container train-pod is privileged'],
    ['privilege escalation', (_job, c) => (c.securityContext!.allowPrivilegeEscalation = true), 'container train-pod does not set allowPrivilegeEscalation: false'],
    ['privilege escalation left to the default', (_job, c) => delete c.securityContext!.allowPrivilegeEscalation, 'container train-pod does not set allowPrivilegeEscalation: false'],
    ['another service account', (job) => (job.spec!.template.spec!.serviceAccountName = 'trainer'), 'serviceAccountName trainer is not train-pod'],
    ['no service account', (job) => delete job.spec!.template.spec!.serviceAccountName, 'serviceAccountName (unset) is not train-pod'],
    [
      'another service account through the deprecated field',
      (job) => (job.spec!.template.spec!.serviceAccount = 'trainer'),
      'serviceAccountName train-pod (serviceAccount trainer) is not train-pod',
    ],
    [
      'a mounted service account token',
      (job) => (job.spec!.template.spec!.automountServiceAccountToken = true),
      'automountServiceAccountToken must be false (the training pod never calls the Kubernetes API)',
    ],
    ['the host network', (job) => (job.spec!.template.spec!.hostNetwork = true), 'hostNetwork is not allowed'],
    ['the host PID namespace', (job) => (job.spec!.template.spec!.hostPID = true), 'hostPID is not allowed'],
  ])('refuses %s, saying what', (_what, change, message) => {
    expect(denials(widened(change))).toEqual([`training Job refused: ${message}`]);
  });

  it('refuses every widening at once, each with its own message', () => {
    const job = widened((job, c) => {
      c.image = 'evil.example.com/miner:1';
      c.securityContext!.privileged = true;
      job.spec!.template.spec!.hostIPC = true;
    });
    expect(denials(job)).toEqual([
      expect.stringContaining('image evil.example.com/miner:1'),
      'training Job refused: hostIPC is not allowed',
      'training Job refused: container train-pod is privileged',
    ]);
  });

  it('takes its allowed values from the parameters: another allowed image, and the trainer set to it, are admitted', () => {
    const image = 'registry.example.com/tuneforge/train-pod@sha256:' + 'ab'.repeat(32);
    const moved = { ...params, data: { ...params.data, 'image.train-pod': image } };
    // The operator changed the allowed image but not the trainer's: its Job no longer passes.
    expect(denials(trainer.job, moved)).toEqual([expect.stringContaining(`image ${trainer.job.spec!.template.spec!.containers[0].image} is not an allowed image`)]);
    const repinned = widened((_job, c) => (c.image = image));
    expect(denials(repinned, moved)).toEqual([]);
    // Parameters without values allow nothing.
    expect(denials(trainer.job, { ...params, data: {} })).toHaveLength(3);
  });

  it('holds no one else to it: other users, other resources', () => {
    const job = widened((_job, c) => (c.image = 'evil.example.com/miner:1'));
    for (const username of [
      'system:serviceaccount:tuneforge-other:trainer',
      `system:serviceaccount:${trainer.namespace}:orchestrator`,
      'system:serviceaccount:kube-system:job-controller',
      'kubernetes-admin',
    ]) {
      expect(admit(policy, { request: request(username), object: job, params })).toEqual({
        applies: false,
        reason: 'matchCondition trainer-service-account is false',
      });
    }
    const pods = { ...request(), resource: { group: '', version: 'v1', resource: 'pods' } };
    expect(admit(policy, { request: pods, object: job, params }).applies).toBe(false);
    expect(admit(policy, { request: request(trainer.username, 'DELETE'), object: job, params }).applies).toBe(false);
  });

  it('is checked by kubeconform against the committed schemas: a misspelled field fails', () => {
    const broken = structuredClone(binding);
    broken.spec.validationAction = broken.spec.validationActions;
    delete broken.spec.validationActions;
    const report = kubeconform(stringify(broken));
    expect(report.ok).toBe(false);
    expect(report.output).toMatch(/additional properties 'validationAction' not allowed/);
    expect(kubeconform(`${stringify(policy)}---\n${stringify(binding)}`).output).toMatch(/Valid: 2, Invalid: 0, Errors: 0, Skipped: 0/);
  });
});
