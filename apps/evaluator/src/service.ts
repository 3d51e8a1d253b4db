import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { evaluatorEnvSchema } from './config/evaluator-config';
import { EvaluatorModule } from './evaluator.module';

/** The evaluator service: compares the base and the fine-tuned model of a job iteration on request. */
export const service: ServiceDefinition = { name: 'evaluator', version, module: EvaluatorModule, envSchema: evaluatorEnvSchema };
