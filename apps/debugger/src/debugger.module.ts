import { Module } from '@nestjs/common';
import { DiagnosisHandler } from './service/diagnosis.handler';
import { DiagnosisService } from './service/diagnosis.service';

@Module({ controllers: [DiagnosisHandler], providers: [DiagnosisService] })
export class DebuggerModule {}
