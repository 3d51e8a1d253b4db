// The security rules every rendered manifest must follow (restricted Pod Security Standard, default-deny
// network policies, the shape of the GPU training Job), checked offline on parsed YAML documents.
import { parseAllDocuments } from 'yaml';
import { INFERENCE_MIN_HEADROOM_BYTES } from './services';

export type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Violation {
  /** `Kind/name`, with ` (in ConfigMap/x)` for a manifest carried inside a ConfigMap. */
  readonly resource: string;
  readonly rule: string;
  readonly message: string;
}

/** The inference service's memory budget (apps/inference): what its loaded models may take, under the memory limit. */
export const MEMORY_BUDGET_ENV = 'TF_INFERENCE_MEMORY_BUDGET_BYTES';

const QUANTITY_SUFFIXES: Record<string, number> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  m: 1e-3,
};

/** A Kubernetes resource quantity ("12Gi", "512M", "1.5", "250m") as a number (bytes, cores). */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(quantity.trim());
  if (!match) throw new Error(`not a resource quantity: "${quantity}"`);
  return Number(match[1]) * QUANTITY_SUFFIXES[match[2] ?? ''];
}

/** A pod template may opt out of the read-only root filesystem only by saying why, in this annotation. */
export const WRITABLE_ROOT_ANNOTATION = 'tuneforge.dev/writable-root-filesystem';

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0].message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((doc): doc is Manifest => doc !== null && typeof doc === 'object');
}

/**
 * Manifests carried as files inside ConfigMaps (the training Job template the trainer mounts): they
 * reach the cluster later, through the trainer, and must follow the same rules.
 */
export function embeddedManifests(manifests: readonly Manifest[]): Array<{ carrier: string; manifest: Manifest }> {
  const found: Array<{ carrier: string; manifest: Manifest }> = [];
  for (const manifest of manifests) {
    if (manifest.kind !== 'ConfigMap') continue;
    for (const [key, value] of Object.entries<string>(manifest.data ?? {})) {
      if (!/\.ya?ml$/.test(key)) continue;
      for (const inner of parseManifests(value)) {
        if (typeof inner.apiVersion === 'string' && typeof inner.kind === 'string') {
          found.push({ carrier: `ConfigMap/${manifest.metadata?.name}`, manifest: inner });
        }
      }
    }
  }
  return found;
}

function nameOf(manifest: Manifest): string {
  return `${manifest.kind}/${manifest.metadata?.name ?? manifest.metadata?.generateName ?? '?'}`;
}

function at(object: Manifest, path: readonly string[]): Manifest | undefined {
  return path.reduce<Manifest | undefined>((node, key) => (node == null ? undefined : node[key]), object);
}

function checkPod(template: Manifest, report: (rule: string, message: string) => void): void {
  const pod = template.spec ?? {};
  const podContext = pod.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[field] === true) report('no-host-namespaces', `${field} must not be true`);
  }
  for (const volume of pod.volumes ?? []) {
    if (volume.hostPath) report('no-host-path', `volume "${volume.name}" is a hostPath`);
  }
  const writableRootReason = template.metadata?.annotations?.[WRITABLE_ROOT_ANNOTATION];
  const containers: Manifest[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  if (containers.length === 0) report('containers', 'pod has no containers');
  for (const container of containers) {
    const where = `container "${container.name}"`;
    const context = container.securityContext ?? {};
    const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (runAsNonRoot !== true) report('run-as-non-root', `${where}: runAsNonRoot must be true (pod or container)`);
    const runAsUser = context.runAsUser ?? podContext.runAsUser;
    if (runAsUser === 0) report('run-as-non-root', `${where}: runAsUser must not be 0`);
    const seccomp = (context.seccompProfile ?? podContext.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      report('seccomp', `${where}: seccompProfile.type must be RuntimeDefault or Localhost (pod or container)`);
    }
    if (context.allowPrivilegeEscalation !== false) {
      report('no-privilege-escalation', `${where}: allowPrivilegeEscalation must be false`);
    }
    if (context.privileged === true) report('not-privileged', `${where}: privileged must not be true`);
    if (!(context.capabilities?.drop ?? []).includes('ALL')) report('drop-all-capabilities', `${where}: capabilities.drop must include ALL`);
    const added = (context.capabilities?.add ?? []).filter((capability: string) => capability !== 'NET_BIND_SERVICE');
    if (added.length > 0) report('drop-all-capabilities', `${where}: adds capabilities ${added.join(', ')}`);
    if (context.readOnlyRootFilesystem !== true && !writableRootReason) {
      report('read-only-root-filesystem', `${where}: readOnlyRootFilesystem must be true (or annotate the pod with ${WRITABLE_ROOT_ANNOTATION}: <why>)`);
    }
    for (const port of container.ports ?? []) {
      if (port.hostPort) report('no-host-ports', `${where}: hostPort ${port.hostPort}`);
    }
    if (!container.resources?.limits?.memory) report('memory-limit', `${where}: resources.limits.memory must be set`);
    checkMemoryBudget(container, where, report);
  }
}

/**
 * A container that sets the inference memory budget keeps it under its memory limit, with room for what the
 * budget does not count (INFERENCE_MIN_HEADROOM_BYTES): past the limit the kernel kills the pod, streams and all.
 */
function checkMemoryBudget(container: Manifest, where: string, report: (rule: string, message: string) => void): void {
  const variable = (container.env ?? []).find((e: Manifest) => e.name === MEMORY_BUDGET_ENV);
  if (!variable) return;
  const budget = Number(variable.value);
  const limit = container.resources?.limits?.memory;
  if (!Number.isInteger(budget) || budget <= 0) {
    report('memory-budget', `${where}: ${MEMORY_BUDGET_ENV} must be a positive whole number of bytes (got ${JSON.stringify(variable.value)})`);
  } else if (limit) {
    const headroom = parseQuantity(limit) - budget;
    if (headroom < INFERENCE_MIN_HEADROOM_BYTES) {
      report(
        'memory-budget',
        `${where}: ${MEMORY_BUDGET_ENV} (${budget}) must stay at least ${INFERENCE_MIN_HEADROOM_BYTES} bytes under the memory limit (${limit}); the headroom is ${headroom}`,
      );
    }
  }
}

/** The GPU training Job: bounded in time and retries, cleaned up, on GPU nodes, with a real /dev/shm. */
function checkTrainingJob(job: Manifest, report: (rule: string, message: string) => void): void {
  const spec = job.spec ?? {};
  for (const field of ['activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    if (typeof spec[field] !== 'number') report('training-job', `spec.${field} must be set`);
  }
  const pod = spec.template?.spec ?? {};
  const gpu = (pod.containers ?? []).some((c: Manifest) => c.resources?.limits?.['nvidia.com/gpu'] !== undefined);
  if (!gpu) report('training-job', 'a container must limit nvidia.com/gpu');
  if (!pod.nodeSelector || Object.keys(pod.nodeSelector).length === 0) report('training-job', 'spec.template.spec.nodeSelector must select GPU nodes');
  if (!(pod.tolerations ?? []).some((t: Manifest) => t.key === 'nvidia.com/gpu')) report('training-job', 'must tolerate the nvidia.com/gpu taint');
  const shmVolumes = new Set((pod.volumes ?? []).filter((v: Manifest) => v.emptyDir?.medium === 'Memory').map((v: Manifest) => v.name));
  const mountsShm = (pod.containers ?? []).some((c: Manifest) =>
    (c.volumeMounts ?? []).some((m: Manifest) => m.mountPath === '/dev/shm' && shmVolumes.has(m.name)),
  );
  if (!mountsShm) report('training-job', '/dev/shm must be an emptyDir with medium Memory');
}

function isDefaultDeny(policy: Manifest): boolean {
  const spec = policy.spec ?? {};
  const selectsAll = !spec.podSelector || Object.keys(spec.podSelector).length === 0;
  const types: string[] = spec.policyTypes ?? [];
  return selectsAll && types.includes('Ingress') && types.includes('Egress') && !spec.ingress?.length && !spec.egress?.length;
}

/**
 * Every violation in a set of rendered manifests, including manifests carried inside ConfigMaps.
 * `wholeDeployment`: the set is a full overlay, which must then also carry a default-deny policy.
 */
export function checkManifests(manifests: readonly Manifest[], { wholeDeployment = true } = {}): Violation[] {
  const violations: Violation[] = [];
  const all = [
    ...manifests.map((manifest) => ({ manifest, resource: nameOf(manifest) })),
    ...embeddedManifests(manifests).map(({ carrier, manifest }) => ({ manifest, resource: `${nameOf(manifest)} (in ${carrier})` })),
  ];
  let workloads = 0;
  for (const { manifest, resource } of all) {
    const report = (rule: string, message: string) => violations.push({ resource, rule, message });
    const templatePath = POD_TEMPLATE_PATHS[manifest.kind];
    if (manifest.kind === 'Pod') {
      workloads += 1;
      checkPod(manifest, report);
    } else if (templatePath) {
      workloads += 1;
      checkPod(at(manifest, templatePath) ?? {}, report);
    }
    if (manifest.kind === 'Job' && manifest.metadata?.labels?.['app.kubernetes.io/component'] === 'training') {
      checkTrainingJob(manifest, report);
    }
    if (manifest.kind === 'Namespace' && manifest.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
      report('namespace-pod-security', 'label pod-security.kubernetes.io/enforce must be "restricted"');
    }
  }
  if (wholeDeployment && workloads > 0 && !manifests.some((m) => m.kind === 'NetworkPolicy' && isDefaultDeny(m))) {
    violations.push({
      resource: '(all)',
      rule: 'default-deny',
      message: 'no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)',
    });
  }
  return violations;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.resource}: [${v.rule}] ${v.message}`).join('\n');
}
