import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { findTopic } from '@tuneforge/contracts';
import { isObservable, lastValueFrom } from 'rxjs';
import type { MessageBus, MessageHandler, SubscribeOptions, Subscription, TopicRoute } from '../message-bus';

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
      // One subscription per consumer group: the service's shared group, and its per-instance group.
      const groups = new Map<string, { options: SubscribeOptions; routes: TopicRoute[] }>();
      for (const [pattern, handler] of this.getHandlers()) {
        const topic = findTopic(pattern);
        if (!topic) throw new Error(`@EventPattern('${pattern}') in ${this.service} names no declared topic`);
        if (!handler.isEventHandler) throw new Error(`${pattern}: only events flow over the bus, no request/reply`);
        const broadcast = Boolean(((handler.extras ?? {}) as BusEventExtras).broadcast);
        const group = broadcast ? `${this.service}.${this.instanceId}` : this.service;
        const entry = groups.get(group) ?? { options: { service: this.service, group, startFrom: broadcast ? 'latest' : 'earliest' }, routes: [] };
        const route: MessageHandler<never> = async (message, delivery) => {
          const result = await handler(message, delivery);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        };
        entry.routes.push({ topic, handler: route });
        groups.set(group, entry);
      }
      for (const { options, routes } of groups.values()) {
        this.subscriptions.push(await this.bus.subscribeAll(options, routes));
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
