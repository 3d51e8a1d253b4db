import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';

/**
 * The orchestrator service. Its own handlers arrive with the issues that give it work; until then it runs the
 * kit's health, readiness, metrics and ping handlers, so the deployment can already prove it is wired.
 */
export const service: ServiceDefinition = { name: 'orchestrator', version };
