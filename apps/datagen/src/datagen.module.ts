import { Module } from '@nestjs/common';
import { dataPreparationCompletedV1, dataPreparationRequestedV1 } from '@tuneforge/contracts';
import { taskWorkerModule } from '@tuneforge/service-kit';
import { DataPreparationWork } from './preparation/data-preparation.work';

@Module(taskWorkerModule({ requested: dataPreparationRequestedV1, completed: dataPreparationCompletedV1, work: DataPreparationWork }))
export class DatagenModule {}
