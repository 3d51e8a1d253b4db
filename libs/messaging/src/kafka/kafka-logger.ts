import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '@tuneforge/telemetry';

/** Routes kafkajs's own logs into the service's structured logger instead of the console. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...rest } = log;
      const child = { component: 'kafkajs', ...rest };
      if (level === logLevel.ERROR) logger.error(child, message);
      else if (level === logLevel.WARN) logger.warn(child, message);
      else if (level === logLevel.INFO) logger.debug(child, message);
      else logger.trace(child, message);
    };
}
