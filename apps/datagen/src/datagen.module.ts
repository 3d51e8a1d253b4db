import { Module } from '@nestjs/common';
import { dataPreparationCompletedV1, dataPreparationRequestedV1 } from '@tuneforge/contracts';
import { backgroundTasksUnder, taskWorkerModule } from '@tuneforge/service-kit';
import { DataPreparationWork } from './preparation/data-preparation.work';

// In the background: data preparation can outlast a consumer callback (LLM calls, embeddings).
@Module(taskWorkerModule({ requested: dataPreparationRequestedV1, completed: dataPreparationCompletedV1, work: DataPreparationWork, background: backgroundTasksUnder('_datagen/tasks/', 'data preparation') }))
export class DatagenModule {}
