import { SERVICE_NAMES, type ServiceName } from '@tuneforge/contracts';

/** Every pod of the platform carries this label; network policies select on it. */
export const PART_OF = 'tuneforge';
export const HTTP_PORT = 8080;
export const KAFKA_CLUSTER = 'tuneforge';
export const KAFKA_BOOTSTRAP = `${KAFKA_CLUSTER}-kafka-bootstrap:9092`;

/**
 * How a service runs on a cluster. `edge` takes user traffic and scales on CPU (HPA); `worker` consumes
 * Kafka as consumer group `<name>` and scales on that group's lag (KEDA), down to zero when idle.
 * The train pod is not a Deployment: it runs as the GPU Job in k8s/base/training.
 */
export interface DeployedService {
  readonly name: Exclude<ServiceName, 'train-pod' | 'inference'>;
  readonly role: 'edge' | 'worker';
  /** Upper bound for scaling; a consumer group never has more useful members than partitions. */
  readonly maxReplicas: number;
  /** Size of the writable /tmp. */
  readonly tmpSize: string;
}

const WORKER_MAX_REPLICAS = 6;

/**
 * The orchestrator serializes each job's workflow in one process; several members of its consumer group
 * would receive one job's results on different instances (docs/loop.md). One replica, scaled to zero when idle.
 */
const ORCHESTRATOR_MAX_REPLICAS = 1;

/**
 * The inference service is not rendered yet: it scales on its own load (requests, not Kafka lag) and needs a
 * memory budget of its own, which its Deployment will say (issue 15's Kubernetes part).
 */
export const DEPLOYED_SERVICES: readonly DeployedService[] = SERVICE_NAMES.filter(
  (name): name is DeployedService['name'] => name !== 'train-pod' && name !== 'inference',
).map((name) =>
  name === 'gateway'
    ? { name, role: 'edge', maxReplicas: 6, tmpSize: '1Gi' }
    : { name, role: 'worker', maxReplicas: name === 'orchestrator' ? ORCHESTRATOR_MAX_REPLICAS : WORKER_MAX_REPLICAS, tmpSize: '256Mi' },
);

/** Secret holding a service's own MinIO credentials (TF_S3_ACCESS_KEY, TF_S3_SECRET_KEY). */
export function s3SecretName(service: ServiceName): string {
  return `tuneforge-s3-${service}`;
}

export function imageName(service: ServiceName): string {
  return `tuneforge/${service}`;
}
