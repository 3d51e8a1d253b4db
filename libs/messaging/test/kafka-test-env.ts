import { defineTopic } from '@tuneforge/contracts';
import { createLogger } from '@tuneforge/telemetry';
import { Writable } from 'node:stream';
import { z } from 'zod';

/** The broker `infra/up.sh` starts; these tests fail (never skip) when it is not there. */
export const KAFKA_BROKERS = (process.env.TF_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export const S3_ENV = {
  TF_STORAGE_DRIVER: 'minio',
  TF_S3_ENDPOINT: process.env.TF_S3_ENDPOINT ?? 'http://127.0.0.1:9000',
  TF_S3_ACCESS_KEY: process.env.TF_S3_ACCESS_KEY ?? 'tuneforge',
  TF_S3_SECRET_KEY: process.env.TF_S3_SECRET_KEY ?? 'tuneforge-dev-secret',
};

/** A topic per test run, so runs never see each other's messages or committed offsets. */
export function uniqueWorkTopic(label: string, partitions = 1) {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return defineTopic(`test.${label}-${suffix}.requested.v1`, z.object({ n: z.number().int() }).strict(), { partitions });
}

export const quietLogger = createLogger('messaging-test', { destination: new Writable({ write: (_c, _e, done) => done() }) });
