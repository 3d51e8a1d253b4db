import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { OrchestratorModule } from './orchestrator.module';

/**
 * The orchestrator service: runs each job's workflow graph (prepare data → train with the halfway approval →
 * finalize) on LangGraph's Postgres checkpointer in the metadata database, and resumes unfinished jobs when it starts.
 */
export const service: ServiceDefinition = { name: 'orchestrator', version, module: OrchestratorModule, needsDatabase: true };
