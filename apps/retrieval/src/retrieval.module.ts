import { Module } from '@nestjs/common';
import { retrievalIndexCompletedV1, retrievalIndexRequestedV1 } from '@tuneforge/contracts';
import { taskWorkerModule } from '@tuneforge/service-kit';
import { IndexingWork } from './indexing/indexing.work';

@Module(taskWorkerModule({ requested: retrievalIndexRequestedV1, completed: retrievalIndexCompletedV1, work: IndexingWork }))
export class RetrievalModule {}
