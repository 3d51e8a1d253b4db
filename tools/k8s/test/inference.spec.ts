// The inference service as each overlay deploys it: its Deployment, Service and CPU autoscaler, a memory budget
// under its memory limit, the gateway's TF_INFERENCE_URL naming its Service, and network policies that let only
// the gateway in and let it reach MinIO. (Schema and restricted-pod checks of these objects: manifests.spec.ts.)
import { allows, selectorMatches, workloadPods, type PodRef } from '../src/network';
import { MEMORY_BUDGET_ENV, parseManifests, parseQuantity, type Manifest } from '../src/policy';
import { containerSecurityContext, podSecurityContext } from '../src/security';
import { INFERENCE_MIN_HEADROOM_BYTES, INFERENCE_SERVICE } from '../src/services';
import { OVERLAYS, renderOverlay } from '../src/tools';

const MIN_REPLICAS: Record<(typeof OVERLAYS)[number], number> = { dev: 1, prod: 2 };

function find(manifests: readonly Manifest[], kind: string, name: string): Manifest | undefined {
  return manifests.find((m) => m.kind === kind && m.metadata?.name === name);
}

function envOf(container: Manifest, name: string): string | undefined {
  return (container.env ?? []).find((e: Manifest) => e.name === name)?.value;
}

describe.each(OVERLAYS)('inference in overlay %s', (overlay) => {
  const manifests = parseManifests(renderOverlay(overlay));
  const deployment = find(manifests, 'Deployment', INFERENCE_SERVICE)!;
  const pod: Manifest = deployment?.spec.template.spec;
  const container: Manifest = pod?.containers.find((c: Manifest) => c.name === INFERENCE_SERVICE);
  const service = find(manifests, 'Service', INFERENCE_SERVICE)!;
  const gateway: Manifest = find(manifests, 'Deployment', 'gateway')!.spec.template.spec.containers[0];

  it('deploys a ServiceAccount, Deployment, Service and HPA, and no KEDA ScaledObject (it is HTTP, not Kafka)', () => {
    for (const kind of ['ServiceAccount', 'Deployment', 'Service', 'HorizontalPodAutoscaler']) {
      expect(find(manifests, kind, INFERENCE_SERVICE)).toBeDefined();
    }
    expect(find(manifests, 'ScaledObject', INFERENCE_SERVICE)).toBeUndefined();
    expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns the count
    expect(container.image).toMatch(/^tuneforge\/inference:/);
    expect(container.image).not.toMatch(/:latest$/);
  });

  it('scales on CPU utilisation, never below its minimum', () => {
    const hpa = find(manifests, 'HorizontalPodAutoscaler', INFERENCE_SERVICE)!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: INFERENCE_SERVICE });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } },
    ]);
    expect(hpa.spec.minReplicas).toBe(MIN_REPLICAS[overlay]);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    // Utilisation is measured against the CPU request: the container must have one.
    expect(container.resources.requests.cpu).toBeDefined();
  });

  it('keeps its memory budget under the memory limit, with the headroom the process needs besides its models', () => {
    const budget = Number(envOf(container, MEMORY_BUDGET_ENV));
    const limit = parseQuantity(container.resources.limits.memory);
    expect(Number.isInteger(budget)).toBe(true);
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThan(limit);
    expect(limit - budget).toBeGreaterThanOrEqual(INFERENCE_MIN_HEADROOM_BYTES);
    // Request = limit: the budget is memory the pod fills at full load, which the scheduler must reserve.
    expect(container.resources.requests.memory).toBe(container.resources.limits.memory);
  });

  it('runs one engine thread per core of its CPU limit, and requests what it may use', () => {
    const threads = Number(envOf(container, 'TF_INFERENCE_THREADS'));
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(parseQuantity(container.resources.limits.cpu)).toBe(threads);
    expect(container.resources.requests.cpu).toBe(container.resources.limits.cpu);
  });

  it('is routed to by the gateway: TF_INFERENCE_URL names the inference Service and its port', () => {
    const url = new URL(envOf(gateway, 'TF_INFERENCE_URL')!);
    expect(url.protocol).toBe('http:');
    // Same namespace: the Service's short name, or its namespaced DNS names.
    const namespace = service.metadata.namespace;
    expect([service.metadata.name, `${service.metadata.name}.${namespace}`, `${service.metadata.name}.${namespace}.svc`, `${service.metadata.name}.${namespace}.svc.cluster.local`]).toContain(url.hostname);
    const port = Number(url.port || 80);
    const servicePort = service.spec.ports.find((p: Manifest) => p.port === port);
    expect(servicePort).toBeDefined();
    expect(selectorMatches({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels)).toBe(true);
    // The port's target is the container port the service listens on (TF_HTTP_PORT).
    const target = (container.ports as Manifest[]).find((p) => p.name === servicePort.targetPort || p.containerPort === servicePort.targetPort);
    expect(target).toBeDefined();
    expect(envOf(container, 'TF_HTTP_PORT')).toBe(String(target!.containerPort));
  });

  it('answers its probes on the health endpoints', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  it('runs as the restricted pods do, and writes its models to an emptyDir with a size limit', () => {
    expect(pod.securityContext).toEqual(podSecurityContext);
    expect(container.securityContext).toEqual(containerSecurityContext);
    expect(pod.automountServiceAccountToken).toBe(false);
    const modelDir = envOf(container, 'TF_INFERENCE_MODEL_DIR');
    const mount = (container.volumeMounts as Manifest[]).find((m) => m.mountPath === modelDir);
    expect(mount).toBeDefined();
    expect(mount!.readOnly).not.toBe(true);
    const volume = (pod.volumes as Manifest[]).find((v) => v.name === mount!.name);
    expect(volume?.emptyDir?.sizeLimit).toBeDefined();
  });

  describe('network policies', () => {
    const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
    const pods = workloadPods(manifests);
    const podOf = (name: string): PodRef => {
      const found = pods.find((p) => p.name === name);
      if (!found) throw new Error(`no workload ${name}`);
      return found;
    };
    const inference = podOf(`Deployment/${INFERENCE_SERVICE}`);
    const outsider: PodRef = { name: 'a pod of another namespace (monitoring, ingress controller)', labels: {}, external: true };

    it('let the gateway reach inference on its Service port, and nothing else', () => {
      expect(allows(policies, podOf('Deployment/gateway'), inference, 8080)).toBe(true);
      const admitted = [...pods, outsider].filter((from) => from !== inference && allows(policies, from, inference, 8080)).map((p) => p.name);
      expect(admitted).toEqual(['Deployment/gateway']);
      // No other port is open either (the policies name 8080 only).
      expect(allows(policies, podOf('Deployment/gateway'), inference, 9229)).toBe(false);
    });

    it('let inference reach MinIO and the collector, and not the other services', () => {
      expect(allows(policies, inference, podOf('StatefulSet/minio'), 9000)).toBe(true);
      expect(allows(policies, inference, podOf('Deployment/otel-collector'), 4318)).toBe(true);
      expect(allows(policies, inference, podOf('Deployment/gateway'), 8080)).toBe(false);
      expect(allows(policies, inference, podOf('Deployment/trainer'), 8080)).toBe(false);
    });

    it('are evaluated against a default-deny (a pod no rule names is unreachable)', () => {
      expect(allows(policies, podOf('Deployment/datagen'), inference, 8080)).toBe(false);
      expect(allows(policies, podOf('Deployment/datagen'), podOf('Deployment/trainer'), 8080)).toBe(false);
    });
  });

  it('lets Kafka admit it (the service kit connects its bus at boot; /readyz checks it)', () => {
    const kafka = manifests.find((m) => m.kind === 'Kafka')!;
    const peers: Manifest[] = kafka.spec.kafka.listeners.find((l: Manifest) => l.name === 'scram').networkPolicyPeers;
    const labels = deployment.spec.template.metadata.labels;
    expect(peers.some((peer) => !peer.namespaceSelector && peer.podSelector?.matchExpressions?.some((e: Manifest) => e.operator === 'In' && e.values.includes(labels[e.key])))).toBe(true);
  });

  it('has its own MinIO user, created by the setup Job', () => {
    const job = find(manifests, 'Job', 'minio-setup')!;
    const secrets = (job.spec.template.spec.volumes as Manifest[]).map((v) => v.secret?.secretName);
    expect(secrets).toContain('tuneforge-s3-inference');
    expect(container.envFrom).toContainEqual({ secretRef: { name: 'tuneforge-s3-inference' } });
    // dev generates the credentials; prod expects them from the operator's secret store (docs/deploy.md).
    expect(find(manifests, 'Secret', 'tuneforge-s3-inference') !== undefined).toBe(overlay === 'dev');
  });
});

describe('inference in overlay prod', () => {
  const manifests = parseManifests(renderOverlay('prod'));

  it('keeps one pod serving through voluntary disruptions, spread across nodes', () => {
    expect(find(manifests, 'PodDisruptionBudget', INFERENCE_SERVICE)?.spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': INFERENCE_SERVICE } },
    });
    expect(find(manifests, 'Deployment', INFERENCE_SERVICE)!.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  });
});
