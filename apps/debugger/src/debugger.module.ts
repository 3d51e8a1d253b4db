import { Module } from '@nestjs/common';
import { diagnosisRunCompletedV1, diagnosisRunRequestedV1 } from '@tuneforge/contracts';
import { taskWorkerModule } from '@tuneforge/service-kit';
import { DiagnosisWork } from './service/diagnosis.work';

@Module(taskWorkerModule({ requested: diagnosisRunRequestedV1, completed: diagnosisRunCompletedV1, work: DiagnosisWork }))
export class DebuggerModule {}
