import { ALL_TOPICS, deadLetterTopicName, SERVICE_NAMES } from '@tuneforge/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests } from './policy';
import { renderAll, renderTopics, TOPIC_MIN_INSYNC_REPLICAS, TOPIC_REPLICAS } from './render';
import { DEPLOYED_SERVICES } from './services';

const root = join(__dirname, '..', '..', '..');

describe('generated manifests', () => {
  it.each([...renderAll().keys()])('%s is committed up to date (npx nx run k8s:render)', (path) => {
    expect(readFileSync(join(root, path), 'utf8')).toBe(renderAll().get(path));
  });

  it('refers in env values only to variables defined earlier in the same container (Kubernetes expands no others)', () => {
    for (const [path, text] of renderAll()) {
      for (const manifest of parseManifests(text).filter((m) => m.kind === 'Deployment')) {
        for (const container of manifest.spec.template.spec.containers as Array<{ name: string; env?: Array<{ name: string; value?: string }> }>) {
          const defined = new Set<string>();
          for (const variable of container.env ?? []) {
            for (const [, used] of (variable.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
              expect({ path, container: container.name, variable: variable.name, uses: used, definedBefore: defined.has(used) }).toMatchObject({ definedBefore: true });
            }
            defined.add(variable.name);
          }
        }
      }
    }
  });

  it('declares every topic of ALL_TOPICS and its dead-letter topic, replicated 3 with min ISR 2', () => {
    const topics = parseManifests(renderTopics());
    const expected = ALL_TOPICS.flatMap((topic) => [topic.name, deadLetterTopicName(topic.name)]);
    expect(topics.map((t) => t.spec.topicName)).toEqual(expected);
    for (const topic of topics) {
      expect(topic.kind).toBe('KafkaTopic');
      expect(topic.metadata.labels['strimzi.io/cluster']).toBe('tuneforge');
      expect(topic.spec.replicas).toBe(TOPIC_REPLICAS);
      expect(topic.spec.config['min.insync.replicas']).toBe(TOPIC_MIN_INSYNC_REPLICAS);
    }
    for (const topic of ALL_TOPICS) {
      const manifest = topics.find((t) => t.spec.topicName === topic.name)!;
      expect(manifest.spec.partitions).toBe(topic.partitions);
      expect(manifest.spec.config['retention.ms']).toBe(topic.retentionMs);
    }
  });

  it('renders every service but the train pod, the inference service included', () => {
    expect(DEPLOYED_SERVICES.map((service) => service.name)).toEqual(SERVICE_NAMES.filter((name) => name !== 'train-pod'));
    expect(DEPLOYED_SERVICES.find((service) => service.name === 'inference')?.role).toBe('serving');
  });

  it('scales every worker on its consumer group lag down to zero, and the gateway and inference on an HPA', () => {
    for (const service of DEPLOYED_SERVICES) {
      const manifests = parseManifests(renderAll().get(`k8s/base/services/${service.name}.generated.yaml`)!);
      expect(manifests.map((m) => m.kind)).toEqual(
        ['ServiceAccount', 'Deployment', 'Service', service.role === 'worker' ? 'ScaledObject' : 'HorizontalPodAutoscaler'],
      );
      const scaler = manifests[3];
      if (service.role === 'worker') {
        expect(scaler.spec.minReplicaCount).toBe(0);
        expect(scaler.spec.cooldownPeriod).toBeGreaterThanOrEqual(60);
        expect(scaler.spec.triggers).toEqual([
          expect.objectContaining({ type: 'kafka', metadata: expect.objectContaining({ consumerGroup: service.name }) }),
        ]);
      } else {
        expect(scaler.spec.minReplicas).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
