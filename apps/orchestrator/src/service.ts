import type { ServiceDefinition } from '@tuneforge/service-kit';
import { z } from 'zod';
import { version } from '../package.json';
import { OrchestratorModule } from './orchestrator.module';
import { parseStageDeadlines } from './workflow/stage-deadlines';

/** The orchestrator's own settings: how long each stage's task may go unanswered (`preparation=3600,evaluation=14400`, seconds). */
const envSchema = z.object({
  TF_STAGE_DEADLINES: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseStageDeadlines(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

/**
 * The orchestrator service: runs each job's workflow graph (prepare data → train with the halfway approval →
 * finalize) on LangGraph's Postgres checkpointer in the metadata database, and resumes unfinished jobs when it starts.
 */
export const service: ServiceDefinition = { name: 'orchestrator', version, module: OrchestratorModule, envSchema, needsDatabase: true };
