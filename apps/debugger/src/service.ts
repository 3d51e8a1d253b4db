import type { ServiceDefinition } from '@tuneforge/service-kit';
import { version } from '../package.json';
import { debuggerEnvSchema } from './config/debugger-config';
import { DebuggerModule } from './debugger.module';

/** The debugger service: diagnoses an iteration's curve, data and evaluation into ranked findings with config patches. */
export const service: ServiceDefinition = { name: 'debugger', version, module: DebuggerModule, envSchema: debuggerEnvSchema };

// The pure diagnosis, for callers that want findings without the service (the orchestrator's tests).
export { diagnose, rankFindings } from './diagnosis/diagnose';
export type { DiagnosisInput, DataEvidence } from './diagnosis/diagnosis-input';
export { summarizeData } from './data/summarize-data';
export { readDataEvidence } from './data/read-data-evidence';
export { dataReportFileSchema, type DataReportFile } from './data/data-report.schema';
