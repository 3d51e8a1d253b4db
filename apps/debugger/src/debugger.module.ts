import { Module } from '@nestjs/common';
import { diagnosisRunCompletedV1, diagnosisRunRequestedV1 } from '@tuneforge/contracts';
import { backgroundTasksUnder, taskWorkerModule } from '@tuneforge/service-kit';
import { DiagnosisWork } from './service/diagnosis.work';

// In the background: diagnosis can outlast a consumer callback (LLM calls, embeddings).
@Module(taskWorkerModule({ requested: diagnosisRunRequestedV1, completed: diagnosisRunCompletedV1, work: DiagnosisWork, background: backgroundTasksUnder('_debugger/tasks/', 'diagnosis') }))
export class DebuggerModule {}
