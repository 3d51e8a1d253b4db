// Kubernetes and docker compose run the Jaeger infra/up.sh runs: Jaeger v2 (the `jaegertracing/jaeger`
// image, an OpenTelemetry Collector distribution), never the end-of-life v1 all-in-one image, at the version
// infra/lib/common.sh pins, configured by a file (v2 has no all-in-one environment variables).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseManifests, type Manifest } from '../src/policy';
import { OVERLAYS, renderOverlay, REPO_ROOT } from '../src/tools';

const V1_IMAGE = /jaegertracing\/all-in-one/;

/**
 * The Jaeger image matching infra/'s pinned Go module: the module tags Jaeger v2 releases as v1.N.0 (v1 and
 * v2 were tagged together, v1.64.0 with v2.1.0), so v1.N.P is the image 2.(N-63).P.
 */
function expectedImage(): string {
  const common = readFileSync(join(REPO_ROOT, 'infra', 'lib', 'common.sh'), 'utf8');
  const match = /^JAEGER_VERSION="v1\.(\d+)\.(\d+)"/m.exec(common);
  if (!match) throw new Error('JAEGER_VERSION="v1.N.P" not found in infra/lib/common.sh');
  return `jaegertracing/jaeger:2.${Number(match[1]) - 63}.${match[2]}`;
}

function containerPort(container: Manifest, name: string): number | undefined {
  return (container.ports ?? []).find((port: Manifest) => port.name === name)?.containerPort;
}

/** host:port → port. */
function portOf(endpoint: string): number {
  return Number(endpoint.split(':').pop());
}

describe('Jaeger', () => {
  it('is pinned by infra/ as a v1.N tag of the Go module, which maps onto a v2 image', () => {
    expect(expectedImage()).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
  });

  describe.each(OVERLAYS)('in overlay %s', (overlay) => {
    const rendered = renderOverlay(overlay);
    const manifests = parseManifests(rendered);
    const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata?.name === 'jaeger')!;
    const container: Manifest = deployment?.spec.template.spec.containers.find((c: Manifest) => c.name === 'jaeger');
    const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata?.name === 'jaeger-config');
    const config = configMap ? (parse(configMap.data['config.yaml']) as Manifest) : undefined;

    it('runs no Jaeger v1 image anywhere', () => {
      expect(rendered).not.toMatch(V1_IMAGE);
    });

    it('runs the Jaeger v2 image infra/ runs, with its configuration file mounted', () => {
      expect(container.image).toBe(expectedImage());
      const configArg = (container.args ?? []).find((arg: string) => arg.startsWith('--config='));
      expect(configArg).toBe('--config=/etc/jaeger/config.yaml');
      const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === '/etc/jaeger');
      const volume = deployment.spec.template.spec.volumes.find((v: Manifest) => v.name === mount?.name);
      expect(volume?.configMap?.name).toBe('jaeger-config');
      expect(config).toBeDefined();
    });

    it('listens where the Service, the collector and the probes expect: OTLP gRPC 4317, UI 16686, health and metrics', () => {
      expect(portOf(config!.receivers.otlp.protocols.grpc.endpoint)).toBe(containerPort(container, 'otlp-grpc'));
      expect(containerPort(container, 'otlp-grpc')).toBe(4317);
      expect(portOf(config!.extensions.jaeger_query.http.endpoint)).toBe(containerPort(container, 'ui'));
      expect(containerPort(container, 'ui')).toBe(16686);
      const health = config!.extensions.healthcheckv2.http;
      expect(config!.service.extensions).toEqual(expect.arrayContaining(['jaeger_storage', 'jaeger_query', 'healthcheckv2']));
      for (const probe of [container.livenessProbe, container.readinessProbe]) {
        expect(containerPort(container, probe.httpGet.port)).toBe(portOf(health.endpoint));
        expect(probe.httpGet.path).toBe(health.status.path);
      }
      const metrics = config!.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
      expect(String(deployment.spec.template.metadata.annotations['prometheus.io/port'])).toBe(String(metrics.port));
      expect(containerPort(container, 'metrics')).toBe(metrics.port);
      const service = manifests.find((m) => m.kind === 'Service' && m.metadata?.name === 'jaeger')!;
      for (const port of service.spec.ports) expect(containerPort(container, port.targetPort)).toBe(port.port);
    });
  });

  describe('in infra/docker-compose.yml', () => {
    const text = readFileSync(join(REPO_ROOT, 'infra', 'docker-compose.yml'), 'utf8');
    const jaeger = (parse(text) as Manifest).services.jaeger as Manifest;

    it('runs no Jaeger v1 image', () => {
      expect(text).not.toMatch(V1_IMAGE);
    });

    it('runs the Jaeger v2 image and the configuration file infra/up.sh runs, with every address it reads set', () => {
      expect(jaeger.image).toBe(expectedImage());
      expect(jaeger.command).toEqual(['--config=/etc/jaeger/config.yaml']);
      expect(jaeger.volumes).toContain('./jaeger/config.yaml:/etc/jaeger/config.yaml:ro');
      const config = readFileSync(join(REPO_ROOT, 'infra', 'jaeger', 'config.yaml'), 'utf8');
      const variables = [...new Set([...config.matchAll(/\$\{env:(\w+)\}/g)].map((m) => m[1]))];
      expect(variables.length).toBeGreaterThan(0);
      expect(variables.filter((name) => jaeger.environment?.[name] === undefined)).toEqual([]);
      expect(jaeger.environment.TF_JAEGER_HOST).toBe('0.0.0.0');
      expect(String(jaeger.environment.TF_JAEGER_OTLP_GRPC_PORT)).toBe('4317');
    });

    it('is where the compose collector sends traces (jaeger:4317)', () => {
      const collector = parse(readFileSync(join(REPO_ROOT, 'infra', 'otel-collector.yaml'), 'utf8')) as Manifest;
      expect(collector.exporters['otlp/jaeger'].endpoint).toBe('jaeger:4317');
    });
  });
});
