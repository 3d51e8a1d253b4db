import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { retrievalEnvSchema } from './config/retrieval-config';
import { RetrievalModule } from './retrieval.module';

/** The retrieval service: indexes a job's knowledge documents on request (read, chunk, BM25, optional embeddings). */
export const service: ServiceDefinition = { name: 'retrieval', version, module: RetrievalModule, envSchema: retrievalEnvSchema };
