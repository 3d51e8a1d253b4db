import { Module } from '@nestjs/common';
import { PingAnswersHandler } from './ping/ping-answers.handler';
import { PingController } from './ping/ping.controller';
import { PingRegistry } from './ping/ping-registry';

@Module({
  controllers: [PingController, PingAnswersHandler],
  providers: [PingRegistry],
})
export class GatewayModule {}
