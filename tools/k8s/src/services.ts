import { SERVICE_NAMES, type ServiceName } from '@tuneforge/contracts';

/** Every pod of the platform carries this label; network policies select on it. */
export const PART_OF = 'tuneforge';
export const HTTP_PORT = 8080;
export const KAFKA_CLUSTER = 'tuneforge';
export const KAFKA_BOOTSTRAP = `${KAFKA_CLUSTER}-kafka-bootstrap:9092`;

const GiB = 1024 ** 3;

/**
 * How a service runs on a cluster. `edge` takes user traffic and scales on CPU (HPA). `serving` (the inference
 * service) answers only the gateway, over HTTP, and scales on CPU too (HPA): its load is requests, not Kafka lag.
 * `worker` consumes Kafka as consumer group `<name>` and scales on that group's lag (KEDA), down to zero when idle.
 * The train pod is not a Deployment: it runs as the GPU Job in k8s/base/training.
 */
export interface DeployedService {
  readonly name: Exclude<ServiceName, 'train-pod'>;
  readonly role: 'edge' | 'serving' | 'worker';
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

/** The Service (and DNS name) the gateway routes chat completions and completions to. */
export const INFERENCE_SERVICE = 'inference';

/**
 * The inference Deployment's size in the base (the dev and prod overlays replace these values together:
 * k8s/overlays/{dev,prod}). The engine runs on CPU: `cpu` is its request, its limit and its thread count
 * (TF_INFERENCE_THREADS), so a decode step's threads never outnumber the cores the pod may use (0 would let
 * OpenMP take every core of the node and be throttled by the CFS quota).
 */
export const INFERENCE = {
  cpu: 2,
  /** Request = limit: the budget below is memory the process really fills at full load, not a burst. */
  memory: '6Gi',
  memoryBytes: 6 * GiB,
  /**
   * TF_INFERENCE_MEMORY_BUDGET_BYTES: what loaded models may take together (float32 weights + KV caches of
   * maxSequences × maxContext). Set 2 GiB under the limit; see INFERENCE_MIN_HEADROOM_BYTES for what that covers.
   */
  memoryBudgetBytes: 4 * GiB,
  maxSequences: 16,
  maxContext: 4096,
  /** TF_INFERENCE_MODEL_DIR: downloaded artifacts, on a writable emptyDir (the root filesystem is read-only). */
  modelDir: '/var/cache/tuneforge/models',
  modelCacheSize: '20Gi',
  /**
   * A long answer on CPU takes tens of seconds (4 096 tokens at ~50 tokens/s ≈ 80 s): on scale-down and rollout
   * the pod stops taking requests and lets the ones in hand finish for this long (TF_SHUTDOWN_TIMEOUT_MS).
   */
  shutdownTimeoutMs: 90_000,
  minReplicas: 1,
  maxReplicas: 4,
} as const;

/**
 * Memory an inference pod needs besides TF_INFERENCE_MEMORY_BUDGET_BYTES, which counts only the engine's weights
 * and KV caches: Node, NestJS and the TypeScript compiled at boot (the other services run in 512 Mi), each loaded
 * model's tokenizer in JavaScript, a prefill's activations (one layer's plus the residual stream of every layer for
 * the whole prompt: ~0.5–0.7 GB for a 4 096-token prompt on a 0.5 B model, estimated from native/src/decode.cpp,
 * not measured) and the page cache of the safetensors being loaded. Every overlay keeps at least this much between
 * the budget and the memory limit (tools/k8s tests and the policy check).
 */
export const INFERENCE_MIN_HEADROOM_BYTES = 1 * GiB;

export const DEPLOYED_SERVICES: readonly DeployedService[] = SERVICE_NAMES.filter(
  (name): name is DeployedService['name'] => name !== 'train-pod',
).map((name): DeployedService => {
  if (name === 'gateway') return { name, role: 'edge', maxReplicas: 6, tmpSize: '1Gi' };
  if (name === 'inference') return { name, role: 'serving', maxReplicas: INFERENCE.maxReplicas, tmpSize: '256Mi' };
  return { name, role: 'worker', maxReplicas: name === 'orchestrator' ? ORCHESTRATOR_MAX_REPLICAS : WORKER_MAX_REPLICAS, tmpSize: '256Mi' };
});

/**
 * Secret holding the gateway's API keys (TF_API_KEYS `key:tenant,...`, and TF_ADMIN_API_KEYS): without them a
 * distributed gateway refuses to start (exit 78). dev generates one; prod expects the operator's (docs/deploy.md).
 */
export const API_KEYS_SECRET = 'tuneforge-api-keys';

/**
 * The metadata store (k8s/base/postgres): the Service, the role and the database every service connects to, and the
 * Secret whose POSTGRES_PASSWORD is both the server's (the postgres image reads that key) and the services' (it
 * fills the password of TF_DATABASE_URL). The StatefulSet is written by hand; tools/k8s/test/postgres.spec.ts keeps
 * it in step with these.
 */
export const POSTGRES = {
  service: 'postgres',
  port: 5432,
  user: 'tuneforge',
  database: 'tuneforge',
  secret: 'tuneforge-postgres',
  passwordKey: 'POSTGRES_PASSWORD',
} as const;

/** Secret holding a service's own MinIO credentials (TF_S3_ACCESS_KEY, TF_S3_SECRET_KEY). */
export function s3SecretName(service: ServiceName): string {
  return `tuneforge-s3-${service}`;
}

export function imageName(service: ServiceName): string {
  return `tuneforge/${service}`;
}
