import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { startEmbeddedDeployment, type EmbeddedDeployment, type EmbeddedOptions } from '@tuneforge/service-kit';
import { ALL_SERVICES, inferenceUrlFor } from './services';

/**
 * Every service of the platform in this process, over one in-process bus, with the gateway routing
 * `/v1/chat/completions` and `/v1/completions` to the inference service (TF_INFERENCE_URL), on fixed ports or on
 * any free ones.
 *
 * With a base port the inference service's port is known in advance (`inferenceUrlFor`: the ports follow
 * ALL_SERVICES' order), as `npm run start:embedded` runs by default. With port 0 it is known only once the
 * service listens, so the inference service starts first and the others, on the same bus, are given its URL.
 */
export async function startEmbeddedPlatform(options: EmbeddedOptions): Promise<EmbeddedDeployment> {
  const env = options.env ?? process.env;
  if (options.basePort > 0 || env.TF_INFERENCE_URL) {
    const inferenceUrl = env.TF_INFERENCE_URL ?? inferenceUrlFor(options.host, options.basePort);
    return startEmbeddedDeployment(ALL_SERVICES, { ...options, env: { ...env, TF_INFERENCE_URL: inferenceUrl } });
  }
  const bus = options.bus ?? new InProcessMessageBus({ logger: options.logger });
  const ownBus = options.bus === undefined;
  if (ownBus) await bus.ensureTopics(ALL_TOPICS);
  const closeBus = async () => {
    if (ownBus) await bus.close();
  };
  let serving: EmbeddedDeployment | undefined;
  let rest: EmbeddedDeployment;
  try {
    serving = await startEmbeddedDeployment(
      ALL_SERVICES.filter((service) => service.name === 'inference'),
      { ...options, env, bus },
    );
    rest = await startEmbeddedDeployment(
      ALL_SERVICES.filter((service) => service.name !== 'inference'),
      // The same metadata database (the one given, or the one opened for the inference service).
      { ...options, database: serving.database, env: { ...env, TF_INFERENCE_URL: serving.apps.get('inference')!.url }, bus },
    );
  } catch (error) {
    await serving?.close();
    await closeBus();
    throw error;
  }
  const started = serving;
  return {
    bus,
    // In ALL_SERVICES' order: the gateway first, the inference service last.
    apps: new Map([...rest.apps, ...started.apps]),
    database: started.database,
    close: async () => {
      try {
        await rest.close();
        await started.close();
      } finally {
        await closeBus();
      }
    },
  };
}
