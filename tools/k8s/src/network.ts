// What the NetworkPolicies of one namespace allow between pods, evaluated offline on parsed manifests, so tests
// can say "only the gateway reaches inference" about the rendered overlay rather than about one policy.
import type { Manifest } from './policy';

export type Labels = Readonly<Record<string, string>>;

/** A pod, as a policy sees it: its labels, and whether it runs in the policies' own namespace. */
export interface PodRef {
  readonly name: string;
  readonly labels: Labels;
  /** A pod of another namespace (the policies' peers with a namespaceSelector or an ipBlock may admit it). */
  readonly external?: boolean;
}

/** Kubernetes label selector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
export function selectorMatches(selector: Manifest | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries<string>(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const values: string[] = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${expression.operator}`);
    }
  }
  return true;
}

function peerMatches(peer: Manifest, pod: PodRef): boolean {
  // A namespaceSelector or an ipBlock admits pods outside the namespace; a podSelector alone, pods inside it.
  if (peer.ipBlock || peer.namespaceSelector) return pod.external === true;
  return !pod.external && selectorMatches(peer.podSelector, pod.labels);
}

/** Declared policyTypes, or what Kubernetes assumes without them: Ingress, and Egress when there are egress rules. */
function policyTypes(policy: Manifest): string[] {
  return policy.spec?.policyTypes ?? ['Ingress', ...(policy.spec?.egress ? ['Egress'] : [])];
}

function portMatches(ports: Manifest[] | undefined, port: number | string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port));
}

/**
 * Whether traffic from `from` to `to` on TCP `port` is allowed: by the ingress side (policies selecting `to`)
 * and the egress side (policies selecting `from`); a side no policy of that type selects is open. An external
 * pod's own egress is not ours to judge; an external destination is judged by egress only.
 */
export function allows(policies: readonly Manifest[], from: PodRef, to: PodRef, port: number | string): boolean {
  /** Whether the policies selecting `subject` for `type` let `peer` through. */
  const side = (type: 'Ingress' | 'Egress', subject: PodRef, peer: PodRef): boolean => {
    if (subject.external) return true;
    const selecting = policies.filter(
      (policy) => policyTypes(policy).includes(type) && selectorMatches(policy.spec?.podSelector, subject.labels),
    );
    if (selecting.length === 0) return true;
    const rulesKey = type === 'Ingress' ? 'ingress' : 'egress';
    const peersKey = type === 'Ingress' ? 'from' : 'to';
    return selecting.some((policy) =>
      (policy.spec?.[rulesKey] ?? []).some((rule: Manifest) => {
        const peers: Manifest[] = rule[peersKey] ?? [];
        return portMatches(rule.ports, port) && (peers.length === 0 || peers.some((candidate) => peerMatches(candidate, peer)));
      }),
    );
  };
  return side('Ingress', to, from) && side('Egress', from, to);
}

/** The pods a set of manifests runs (workload templates), by workload name, with their template labels. */
export function workloadPods(manifests: readonly Manifest[]): PodRef[] {
  const templates: Record<string, string[]> = {
    Deployment: ['spec', 'template'],
    StatefulSet: ['spec', 'template'],
    DaemonSet: ['spec', 'template'],
    Job: ['spec', 'template'],
  };
  return manifests.flatMap((manifest) => {
    const path = templates[manifest.kind];
    if (!path) return [];
    const template = path.reduce<Manifest | undefined>((node, key) => node?.[key], manifest);
    return [{ name: `${manifest.kind}/${manifest.metadata?.name}`, labels: template?.metadata?.labels ?? {} }];
  });
}
