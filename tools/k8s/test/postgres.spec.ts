// Postgres, the metadata store, as each overlay deploys it: a StatefulSet with a volume, probes and the restricted
// pod context, its password from Secret tuneforge-postgres; every service's TF_DATABASE_URL names its Service, role
// and database and takes the same password; network policies let the services in and nothing else. And the image
// docker compose runs is the same. (Schema and restricted-pod checks of these objects: manifests.spec.ts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { allows, selectorMatches, workloadPods, type PodRef } from '../src/network';
import { parseManifests, type Manifest } from '../src/policy';
import { DATABASE_PASSWORD_ENV } from '../src/render';
import { containerSecurityContext, podSecurityContext } from '../src/security';
import { DEPLOYED_SERVICES, POSTGRES } from '../src/services';
import { OVERLAYS, renderOverlay, REPO_ROOT } from '../src/tools';

function find(manifests: readonly Manifest[], kind: string, name: string): Manifest | undefined {
  return manifests.find((m) => m.kind === kind && m.metadata?.name === name);
}

function envEntry(container: Manifest, name: string): Manifest | undefined {
  return (container.env ?? []).find((e: Manifest) => e.name === name);
}

/** What Kubernetes does to an env value: $(VAR) replaced by the value of a variable defined before it. */
function expand(value: string, variables: Readonly<Record<string, string>>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => variables[name] ?? whole);
}

describe.each(OVERLAYS)('postgres in overlay %s', (overlay) => {
  const manifests = parseManifests(renderOverlay(overlay));
  const statefulSet = find(manifests, 'StatefulSet', POSTGRES.service)!;
  const pod: Manifest = statefulSet?.spec.template.spec;
  const container: Manifest = pod?.containers.find((c: Manifest) => c.name === 'postgres');
  const service = find(manifests, 'Service', POSTGRES.service)!;
  const secret = find(manifests, 'Secret', POSTGRES.secret);

  it('runs one Postgres as a StatefulSet on a persistent volume, its data in a directory of that volume', () => {
    expect(statefulSet.spec.replicas).toBe(1);
    expect(statefulSet.spec.serviceName).toBe(POSTGRES.service);
    const claim = (statefulSet.spec.volumeClaimTemplates as Manifest[]).find((t) => t.metadata.name === 'data');
    expect(claim?.spec.resources.requests.storage).toBeDefined();
    const mount = (container.volumeMounts as Manifest[]).find((m) => m.name === 'data')!;
    const pgdata = envEntry(container, 'PGDATA')?.value as string;
    expect(pgdata.startsWith(`${mount.mountPath}/`)).toBe(true);
    expect(container.image).toMatch(/^postgres:16\.\d+$/);
  });

  it('creates the role and database the services connect as, with the password of the Secret', () => {
    expect(envEntry(container, 'POSTGRES_USER')?.value).toBe(POSTGRES.user);
    expect(envEntry(container, 'POSTGRES_DB')?.value).toBe(POSTGRES.database);
    expect(envEntry(container, 'POSTGRES_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: POSTGRES.secret, key: POSTGRES.passwordKey } });
  });

  it('is reachable through its Service on the port TF_DATABASE_URL names', () => {
    const port = (service.spec.ports as Manifest[]).find((p) => p.port === POSTGRES.port)!;
    expect(port).toBeDefined();
    const target = (container.ports as Manifest[]).find((p) => p.name === port.targetPort || p.containerPort === port.targetPort);
    expect(target?.containerPort).toBe(5432);
    expect(selectorMatches({ matchLabels: service.spec.selector }, statefulSet.spec.template.metadata.labels)).toBe(true);
  });

  it('is probed with pg_isready over TCP, and given time for initdb and crash recovery', () => {
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      expect(probe.exec.command[0]).toBe('pg_isready');
      expect(probe.exec.command).toEqual(expect.arrayContaining(['-h', '127.0.0.1', '-p', '5432']));
    }
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
  });

  it('runs as the restricted pods do, writing only to its volume and emptyDirs', () => {
    expect(pod.securityContext).toMatchObject(podSecurityContext);
    expect(container.securityContext).toEqual(containerSecurityContext);
    expect(pod.automountServiceAccountToken).toBe(false);
    const writable = (container.volumeMounts as Manifest[]).map((m) => m.mountPath);
    // The socket directory, nss_wrapper's files and shared memory: the image writes there besides PGDATA.
    expect(writable).toEqual(expect.arrayContaining(['/var/run/postgresql', '/tmp', '/dev/shm']));
    const shm = (pod.volumes as Manifest[]).find((v) => v.name === (container.volumeMounts as Manifest[]).find((m) => m.mountPath === '/dev/shm')!.name);
    expect(shm?.emptyDir?.medium).toBe('Memory');
    expect(container.resources.limits.memory).toBeDefined();
  });

  it.each(DEPLOYED_SERVICES.map((s) => s.name))('gives %s a TF_DATABASE_URL naming the Service, role and database, with the Secret\'s password', (name) => {
    const deployment = find(manifests, 'Deployment', name)!;
    const serviceContainer: Manifest = deployment.spec.template.spec.containers[0];
    const names = (serviceContainer.env as Manifest[]).map((e) => e.name);
    expect(names.indexOf(DATABASE_PASSWORD_ENV)).toBeGreaterThanOrEqual(0);
    expect(names.indexOf(DATABASE_PASSWORD_ENV)).toBeLessThan(names.indexOf('TF_DATABASE_URL'));
    expect(envEntry(serviceContainer, DATABASE_PASSWORD_ENV)?.valueFrom).toEqual({
      secretKeyRef: { name: POSTGRES.secret, key: POSTGRES.passwordKey },
    });
    const password = 'dev-secret-postgres-change-me';
    const url = new URL(expand(envEntry(serviceContainer, 'TF_DATABASE_URL')!.value, { [DATABASE_PASSWORD_ENV]: password }));
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe(service.metadata.name);
    expect(Number(url.port)).toBe(POSTGRES.port);
    expect(url.username).toBe(envEntry(container, 'POSTGRES_USER')?.value);
    expect(url.password).toBe(password);
    expect(url.pathname).toBe(`/${envEntry(container, 'POSTGRES_DB')?.value}`);
  });

  it(overlay === 'dev' ? 'generates the Secret, with a password that goes into a URL as it is' : 'expects the Secret from the operator', () => {
    // dev generates the credentials; prod expects them from the operator's secret store (docs/deploy.md).
    expect(secret !== undefined).toBe(overlay === 'dev');
    if (secret) {
      const password = Buffer.from(secret.data[POSTGRES.passwordKey], 'base64').toString('utf8');
      expect(password.length).toBeGreaterThan(0);
      expect(encodeURIComponent(password)).toBe(password);
    }
  });

  describe('network policies', () => {
    const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
    const pods = workloadPods(manifests);
    const podOf = (name: string): PodRef => {
      const found = pods.find((p) => p.name === name);
      if (!found) throw new Error(`no workload ${name}`);
      return found;
    };
    const postgres = podOf(`StatefulSet/${POSTGRES.service}`);
    const trainingJob = parseManifests(readFileSync(join(REPO_ROOT, 'k8s', 'base', 'training', 'job.yaml'), 'utf8'))[0];
    const trainingPod: PodRef = { name: 'a training pod', labels: trainingJob.spec.template.metadata.labels };
    const outsider: PodRef = { name: 'a pod of another namespace', labels: {}, external: true };

    it('let every service reach Postgres, and nothing else', () => {
      const services = DEPLOYED_SERVICES.map((s) => `Deployment/${s.name}`);
      for (const name of services) expect({ name, allowed: allows(policies, podOf(name), postgres, 5432) }).toEqual({ name, allowed: true });
      const admitted = [...pods, trainingPod, outsider].filter((from) => from !== postgres && allows(policies, from, postgres, 5432)).map((p) => p.name);
      expect(admitted.sort()).toEqual([...services].sort());
      expect(allows(policies, podOf('Deployment/gateway'), postgres, 5433)).toBe(false);
    });

    it('give Postgres no way out but DNS', () => {
      expect(allows(policies, postgres, podOf('StatefulSet/minio'), 9000)).toBe(false);
      expect(allows(policies, postgres, podOf('Deployment/gateway'), 8080)).toBe(false);
      expect(allows(policies, postgres, outsider, 443)).toBe(false);
    });
  });
});

describe('postgres in infra/docker-compose.yml', () => {
  const compose = parse(readFileSync(join(REPO_ROOT, 'infra', 'docker-compose.yml'), 'utf8')) as Manifest;
  const postgres = compose.services.postgres as Manifest;
  const k8s = parseManifests(readFileSync(join(REPO_ROOT, 'k8s', 'base', 'postgres', 'postgres.yaml'), 'utf8'));
  const container: Manifest = find(k8s, 'StatefulSet', POSTGRES.service)!.spec.template.spec.containers[0];

  it('runs the image k8s/ runs, initialised the same way', () => {
    expect(postgres.image).toBe(container.image);
    expect(postgres.environment.POSTGRES_INITDB_ARGS).toBe(envEntry(container, 'POSTGRES_INITDB_ARGS')?.value);
  });

  it('has the role, password, database and port infra/up.sh has (TF_DATABASE_URL of infra/env.sh)', () => {
    const common = readFileSync(join(REPO_ROOT, 'infra', 'lib', 'common.sh'), 'utf8');
    const defaultOf = (variable: string) => new RegExp(`^${variable}="\\$\\{${variable}:-([^}]*)\\}"`, 'm').exec(common)?.[1];
    for (const [composeKey, infraVariable] of [
      ['POSTGRES_USER', 'TF_POSTGRES_USER'],
      ['POSTGRES_PASSWORD', 'TF_POSTGRES_PASSWORD'],
      ['POSTGRES_DB', 'TF_POSTGRES_DB'],
    ]) {
      expect(defaultOf(infraVariable)).toBeDefined();
      expect(postgres.environment[composeKey]).toBe(`\${${infraVariable}:-${defaultOf(infraVariable)}}`);
    }
    const port = /^POSTGRES_PORT="\$\{TF_POSTGRES_PORT:-(\d+)\}"/m.exec(common)?.[1];
    expect(port).toBe('5432');
    expect(postgres.ports).toEqual([`127.0.0.1:${port}:5432`]);
  });
});
