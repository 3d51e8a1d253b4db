import { Module } from '@nestjs/common';
import { EvaluationHandler } from './evaluation/evaluation.handler';
import { EvaluationRuns } from './evaluation/evaluation-runs.service';

@Module({ controllers: [EvaluationHandler], providers: [EvaluationRuns] })
export class EvaluatorModule {}
