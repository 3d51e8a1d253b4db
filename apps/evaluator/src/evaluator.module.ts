import { Module } from '@nestjs/common';
import { evaluationRunCompletedV1, evaluationRunRequestedV1 } from '@tuneforge/contracts';
import { taskWorkerModule } from '@tuneforge/service-kit';
import { evaluationBackground, EvaluationWork } from './evaluation/evaluation.work';

@Module(taskWorkerModule({ requested: evaluationRunRequestedV1, completed: evaluationRunCompletedV1, work: EvaluationWork, background: evaluationBackground }))
export class EvaluatorModule {}
