// Least privilege in the rendered manifests (#18 item 5): every service and the training pods log in to Kafka as their
// own KafkaUser, whose ACLs are libs/messaging's (the local broker gets the same); the listener takes SCRAM only; KEDA
// reads lag as a describe-only user; no Secret gives training pods storage keys (the trainer mints them per run).
import { serviceAclRules } from '@tuneforge/messaging';
import { SERVICE_NAMES } from '@tuneforge/contracts';
import { trainingContainer } from '@tuneforge/trainer/src/kubernetes/training-job';
import { parseManifests, type Manifest } from '../src/policy';
import { OVERLAYS, renderOverlay } from '../src/tools';
import { deployedTrainer, findManifest as find } from './deployed-trainer';

const strimziOperation = { READ: 'Read', WRITE: 'Write', DESCRIBE: 'Describe' } as const;

describe.each(OVERLAYS)('least privilege in overlay %s', (overlay) => {
  const manifests = parseManifests(renderOverlay(overlay));
  const kafka = manifests.find((m) => m.kind === 'Kafka')!;

  it('Kafka takes SCRAM-SHA-512 on its only listener and authorizes with ACLs', () => {
    const listeners: Manifest[] = kafka.spec.kafka.listeners;
    expect(listeners.map((l) => [l.name, l.authentication?.type])).toEqual([['scram', 'scram-sha-512']]);
    expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple' });
    expect(kafka.spec.entityOperator.userOperator).toBeDefined();
  });

  it("gives each service's KafkaUser exactly that service's ACLs", () => {
    for (const service of SERVICE_NAMES) {
      const user = find(manifests, 'KafkaUser', `tuneforge-kafka-${service}`);
      expect(user.spec.authentication).toEqual({ type: 'scram-sha-512' });
      const granted = (user.spec.authorization.acls as Manifest[]).map((acl) => `${acl.resource.type}:${acl.resource.patternType}:${acl.resource.name}:${acl.operations.join()}`);
      const expected = serviceAclRules()
        .filter((rule) => rule.principal === service)
        .map((rule) => `${rule.resourceType.toLowerCase()}:${rule.patternType === 'PREFIXED' ? 'prefix' : 'literal'}:${rule.name}:${strimziOperation[rule.operation]}`);
      expect(granted).toEqual(expected);
    }
    const pod = find(manifests, 'KafkaUser', 'tuneforge-kafka-train-pod');
    const writes = (pod.spec.authorization.acls as Manifest[]).filter((acl) => acl.operations.includes('Write')).map((acl) => acl.resource.name);
    expect(writes.filter((name: string) => name.startsWith('job.'))).toEqual([]);
  });

  it('has every service log in as its own user, the password from the Secret the User Operator writes', () => {
    for (const deployment of manifests.filter((m) => m.kind === 'Deployment' && m.metadata.labels?.['app.kubernetes.io/part-of'] === 'tuneforge')) {
      const name: string = deployment.metadata.name;
      if (!SERVICE_NAMES.includes(name as never)) continue;
      const env: Manifest[] = deployment.spec.template.spec.containers[0].env;
      expect(env.find((e) => e.name === 'TF_KAFKA_SASL_USERNAME')?.value).toBe(`tuneforge-kafka-${name}`);
      expect(env.find((e) => e.name === 'TF_KAFKA_SASL_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: `tuneforge-kafka-${name}`, key: 'password' } });
    }
  });

  it("scales workers on lag read by KEDA's describe-only user", () => {
    const auth = find(manifests, 'TriggerAuthentication', 'tuneforge-kafka-keda');
    expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'tuneforge-kafka-keda', key: 'password' }]);
    expect(find(manifests, 'ConfigMap', 'tuneforge-kafka-keda').data).toMatchObject({ sasl: 'scram_sha512', username: 'tuneforge-kafka-keda' });
    const keda = find(manifests, 'KafkaUser', 'tuneforge-kafka-keda');
    expect((keda.spec.authorization.acls as Manifest[]).flatMap((acl) => acl.operations)).toEqual(['Describe', 'Describe']);
    const scaled = manifests.filter((m) => m.kind === 'ScaledObject');
    expect(scaled.length).toBeGreaterThan(0);
    for (const object of scaled) expect(object.spec.triggers[0].authenticationRef).toEqual({ name: 'tuneforge-kafka-keda' });
  });

  it("gives training pods their own Kafka user and no storage Secret: the trainer's Job carries the run's minted keys", () => {
    const { job } = deployedTrainer(manifests);
    const container = trainingContainer(job);
    expect(container.envFrom ?? []).not.toContainEqual(expect.objectContaining({ secretRef: expect.anything() }));
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.TF_KAFKA_SASL_USERNAME).toBe('tuneforge-kafka-train-pod');
    expect(env.TF_KAFKA_SASL_PASSWORD).toEqual({ secretKeyRef: { name: 'tuneforge-kafka-train-pod', key: 'password' } });
    expect(env.TF_S3_SESSION_TOKEN).toBeDefined();
    expect(manifests.some((m) => m.kind === 'Secret' && m.metadata.name === 'tuneforge-s3-train-pod')).toBe(false);
    const setup = find(manifests, 'Job', 'minio-setup');
    expect((setup.spec.template.spec.volumes as Manifest[]).map((v) => v.secret?.secretName)).not.toContain('tuneforge-s3-train-pod');
  });
});
