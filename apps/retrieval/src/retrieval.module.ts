import { Module } from '@nestjs/common';
import { retrievalIndexCompletedV1, retrievalIndexRequestedV1 } from '@tuneforge/contracts';
import { backgroundTasksUnder, taskWorkerModule } from '@tuneforge/service-kit';
import { IndexingWork } from './indexing/indexing.work';

// In the background: indexing can outlast a consumer callback (LLM calls, embeddings).
@Module(taskWorkerModule({ requested: retrievalIndexRequestedV1, completed: retrievalIndexCompletedV1, work: IndexingWork, background: backgroundTasksUnder('_retrieval/tasks/', 'indexing') }))
export class RetrievalModule {}
