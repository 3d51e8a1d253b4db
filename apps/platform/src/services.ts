import { service as datagen } from '@tuneforge/datagen';
import { service as debuggerService } from '@tuneforge/debugger';
import { service as evaluator } from '@tuneforge/evaluator';
import { service as gateway } from '@tuneforge/gateway';
import { service as inference } from '@tuneforge/inference';
import { service as orchestrator } from '@tuneforge/orchestrator';
import { service as retrieval } from '@tuneforge/retrieval';
import { service as trainPod } from '@tuneforge/train-pod';
import { service as trainer } from '@tuneforge/trainer';
import type { ServiceDefinition } from '@tuneforge/service-kit';

/** Every service of a deployment, the gateway first (it takes the first port), in SERVICE_NAMES' order. */
export const ALL_SERVICES: readonly ServiceDefinition[] = [gateway, orchestrator, datagen, retrieval, trainer, evaluator, debuggerService, trainPod, inference];

/** Where the gateway finds the inference service when the services take ports from `basePort` up, in this order. */
export function inferenceUrlFor(host: string, basePort: number): string {
  return `http://${host}:${basePort + ALL_SERVICES.findIndex((service) => service.name === 'inference')}`;
}
