import { Module } from '@nestjs/common';
import { IndexRequestHandler } from './indexing/index-request.handler';
import { IndexingService } from './indexing/indexing.service';

@Module({ controllers: [IndexRequestHandler], providers: [IndexingService] })
export class RetrievalModule {}
