import { allows, selectorMatches, type PodRef } from './network';
import type { Manifest } from './policy';

const policy = (name: string, spec: Manifest): Manifest => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec });
const deny = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const pod = (name: string, labels: Record<string, string> = { app: name }): PodRef => ({ name, labels });
const [a, b, c] = [pod('a'), pod('b'), pod('c')];
const outsider: PodRef = { name: 'outside', labels: {}, external: true };

describe('network policy evaluation', () => {
  it('matches label selectors as Kubernetes does', () => {
    const labels = { app: 'x', tier: 'web' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'x' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'y' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });

  it('allows everything without policies and nothing under a default deny', () => {
    expect(allows([], a, b, 80)).toBe(true);
    expect(allows([deny], a, b, 80)).toBe(false);
  });

  it('needs both the ingress of the destination and the egress of the source, on the named port', () => {
    const ingress = policy('b-in', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ protocol: 'TCP', port: 80 }] }] });
    const egress = policy('a-out', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }] }] });
    expect(allows([deny, ingress], a, b, 80)).toBe(false);
    expect(allows([deny, ingress, egress], a, b, 80)).toBe(true);
    expect(allows([deny, ingress, egress], a, b, 81)).toBe(false);
    expect(allows([deny, ingress, egress], c, b, 80)).toBe(false);
  });

  it('admits other namespaces only through namespaceSelector or ipBlock peers, and anyone through a rule without peers', () => {
    const fromMonitoring = policy('m', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }] });
    expect(allows([deny, fromMonitoring], outsider, b, 80)).toBe(true);
    expect(allows([deny, fromMonitoring], a, b, 80)).toBe(false);
    const open = policy('open', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }] });
    expect(allows([deny, open], outsider, b, 80)).toBe(true);
  });
});
