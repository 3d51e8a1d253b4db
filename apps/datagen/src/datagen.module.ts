import { Module } from '@nestjs/common';
import { DataPreparationHandler } from './preparation/data-preparation.handler';
import { DataPreparationService } from './preparation/data-preparation.service';

@Module({ controllers: [DataPreparationHandler], providers: [DataPreparationService] })
export class DatagenModule {}
