import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { findTopic } from '@tuneforge/contracts';
import { isObservable, lastValueFrom } from 'rxjs';
import type { MessageBus, Subscription } from '../message-bus';

/**
 * Options a handler can give in `@EventPattern(topic, extras)`. `broadcast`: every instance of the
 * service must see every message (answers to a request this instance made), so the instance gets a
 * consumer group of its own and starts at the newest message.
 */
export interface BusEventExtras {
  broadcast?: boolean;
}

/**
 * A NestJS microservice transport over a `MessageBus`: handlers written with `@EventPattern(topicName)`
 * receive validated envelopes from Kafka or the embedded bus alike. A handler's promise (or
 * observable) settling is what lets the bus record the message as done and commit its offset.
 */
export class BusTransportServer extends Server implements CustomTransportStrategy {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: MessageBus,
    private readonly service: string,
    private readonly instanceId: string,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.getHandlers()) {
        const topic = findTopic(pattern);
        if (!topic) throw new Error(`@EventPattern('${pattern}') in ${this.service} names no declared topic`);
        if (!handler.isEventHandler) throw new Error(`${pattern}: only events flow over the bus, no request/reply`);
        const extras = (handler.extras ?? {}) as BusEventExtras;
        const subscription = await this.bus.subscribe(
          topic,
          {
            service: this.service,
            group: extras.broadcast ? `${this.service}.${this.instanceId}` : this.service,
            startFrom: extras.broadcast ? 'latest' : 'earliest',
          },
          async (message, delivery) => {
            const result = await handler(message, delivery);
            if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          },
        );
        this.subscriptions.push(subscription);
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Called on shutdown: stops consuming after the messages in hand are finished and committed. */
  async close(): Promise<void> {
    const subscriptions = this.subscriptions.splice(0);
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
  }

  on(): never {
    throw new Error('the bus transport has no transport-level events to listen to');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }
}
