import { stringify } from 'yaml';
import { checkManifests, parseQuantity, WRITABLE_ROOT_ANNOTATION, type Manifest } from './policy';
import { containerSecurityContext, podSecurityContext } from './security';

function deployment(edit: (pod: Manifest) => void = () => undefined): Manifest {
  const template: Manifest = {
    metadata: { labels: { app: 'x' } },
    spec: {
      securityContext: structuredClone(podSecurityContext),
      containers: [
        { name: 'x', image: 'x', resources: { limits: { memory: '1Gi' } }, securityContext: structuredClone(containerSecurityContext) },
      ],
    },
  };
  edit(template);
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template } };
}

const rules = (manifests: Manifest[]) => checkManifests(manifests, { wholeDeployment: false }).map((v) => v.rule);

describe('policy check', () => {
  it('accepts a pod that follows the restricted standard', () => {
    expect(rules([deployment()])).toEqual([]);
  });

  it.each<[string, (pod: Manifest) => void]>([
    ['run-as-non-root', (pod) => delete pod.spec.securityContext.runAsNonRoot],
    ['run-as-non-root', (pod) => (pod.spec.containers[0].securityContext.runAsUser = 0)],
    ['seccomp', (pod) => delete pod.spec.securityContext.seccompProfile],
    ['no-privilege-escalation', (pod) => delete pod.spec.containers[0].securityContext.allowPrivilegeEscalation],
    ['not-privileged', (pod) => (pod.spec.containers[0].securityContext.privileged = true)],
    ['drop-all-capabilities', (pod) => (pod.spec.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] })],
    ['drop-all-capabilities', (pod) => (pod.spec.containers[0].securityContext.capabilities.add = ['SYS_ADMIN'])],
    ['read-only-root-filesystem', (pod) => (pod.spec.containers[0].securityContext.readOnlyRootFilesystem = false)],
    ['no-host-namespaces', (pod) => (pod.spec.hostNetwork = true)],
    ['no-host-path', (pod) => (pod.spec.volumes = [{ name: 'h', hostPath: { path: '/' } }])],
    ['no-host-ports', (pod) => (pod.spec.containers[0].ports = [{ containerPort: 80, hostPort: 80 }])],
    ['memory-limit', (pod) => delete pod.spec.containers[0].resources],
    ['run-as-non-root', (pod) => pod.spec.initContainers = [{ name: 'init', image: 'x', resources: { limits: { memory: '1Gi' } }, securityContext: { ...containerSecurityContext, runAsUser: 0 } }]],
  ])('reports %s', (rule, edit) => {
    expect(rules([deployment(edit)])).toContain(rule);
  });

  it('reads resource quantities as Kubernetes does', () => {
    expect(parseQuantity('12Gi')).toBe(12 * 1024 ** 3);
    expect(parseQuantity('512Mi')).toBe(512 * 1024 ** 2);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('250m')).toBe(0.25);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity(4)).toBe(4);
    expect(() => parseQuantity('12 GB')).toThrow(/not a resource quantity/);
  });

  const GiB = 1024 ** 3;
  it.each<[string, string, string, string[]]>([
    ['2 GiB under the limit', '6Gi', String(4 * GiB), []],
    ['exactly 1 GiB under the limit', '2Gi', String(GiB), []],
    ['equal to the limit', '2Gi', String(2 * GiB), ['memory-budget']],
    ['over the limit', '2Gi', String(3 * GiB), ['memory-budget']],
    ['less than 1 GiB under the limit', '2Gi', String(1.5 * GiB), ['memory-budget']],
    ['not a whole number of bytes', '2Gi', '1GiB', ['memory-budget']],
  ])('checks the inference memory budget against the memory limit: %s', (_case, limit, budget, expected) => {
    const manifest = deployment((pod) => {
      pod.spec.containers[0].resources = { limits: { memory: limit } };
      pod.spec.containers[0].env = [{ name: 'TF_INFERENCE_MEMORY_BUDGET_BYTES', value: budget }];
    });
    expect(rules([manifest])).toEqual(expected);
  });

  it('lets a pod keep a writable root filesystem only with a stated reason', () => {
    const manifest = deployment((pod) => {
      pod.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
      pod.metadata.annotations = { [WRITABLE_ROOT_ANNOTATION]: 'the tool rewrites its own config' };
    });
    expect(rules([manifest])).toEqual([]);
  });

  it('checks a Job carried inside a ConfigMap, and the training Job shape', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train', labels: { 'app.kubernetes.io/component': 'training' } }, spec: deployment().spec };
    const carrier = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'template' }, data: { 'job.yaml': stringify(job) } };
    const violations = checkManifests([carrier], { wholeDeployment: false });
    expect(violations.every((v) => v.resource === 'Job/train (in ConfigMap/template)')).toBe(true);
    expect(violations.map((v) => v.message)).toEqual(
      expect.arrayContaining([
        'spec.activeDeadlineSeconds must be set',
        'a container must limit nvidia.com/gpu',
        'must tolerate the nvidia.com/gpu taint',
        '/dev/shm must be an emptyDir with medium Memory',
      ]),
    );
  });

  it('requires a default-deny NetworkPolicy and restricted namespaces in a whole deployment', () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tuneforge', labels: {} } };
    expect(checkManifests([namespace, deployment()]).map((v) => v.rule).sort()).toEqual(['default-deny', 'namespace-pod-security']);
    const deny = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'd' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };
    namespace.metadata.labels = { 'pod-security.kubernetes.io/enforce': 'restricted' } as never;
    expect(checkManifests([namespace, deployment(), deny])).toEqual([]);
  });
});
