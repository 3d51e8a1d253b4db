import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { StorageConfigError } from './errors';

export type StorageConfig =
  | {
      driver: 'minio';
      endpoint: string;
      accessKey: string;
      secretKey: string;
      /** With temporary credentials (MinIO STS: a training run's scoped keys), the token that goes with them. */
      sessionToken?: string;
      bucket: string;
      region: string;
    }
  | {
      driver: 'filesystem';
      artifactDir: string;
    };

export type StorageEnv = Readonly<Record<string, string | undefined>>;

/** Where embedded mode keeps artifacts when TF_ARTIFACT_DIR is not set: per user, outside any checkout. */
export const DEFAULT_ARTIFACT_DIR = join(homedir(), '.tuneforge', 'artifacts');

const required = (when: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `is required when ${when}` : 'must be a string') });

const driverSchema = z.object({
  // Embedded mode is the default deployment (laptop, quick start), and it stores artifacts on disk.
  TF_STORAGE_DRIVER: z.enum(['minio', 'filesystem'], { error: "must be 'minio' or 'filesystem'" }).default('filesystem'),
});

const minioSchema = z.object({
  TF_S3_ENDPOINT: z
    .string()
    .default('http://127.0.0.1:9000')
    .refine(isServiceOrigin, 'must be an http:// or https:// URL with a host and no path, such as http://127.0.0.1:9000'),
  TF_S3_ACCESS_KEY: required('TF_STORAGE_DRIVER=minio'),
  TF_S3_SECRET_KEY: required('TF_STORAGE_DRIVER=minio'),
  TF_S3_SESSION_TOKEN: z.string().optional(),
  TF_S3_BUCKET: z
    .string()
    .default('tuneforge')
    .refine(isBucketName, 'must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit'),
  TF_S3_REGION: z.string().default('us-east-1'),
});

const filesystemSchema = z.object({
  TF_ARTIFACT_DIR: z.string().default(DEFAULT_ARTIFACT_DIR),
});

/**
 * Reads the storage settings from the environment and fails at boot with one line per wrong
 * variable. An empty variable counts as unset, as it does in most .env tooling.
 */
export function loadStorageConfig(env: StorageEnv): StorageConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const { TF_STORAGE_DRIVER: driver } = parseOrThrow(driverSchema, present);
  if (driver === 'filesystem') {
    const parsed = parseOrThrow(filesystemSchema, present);
    return { driver, artifactDir: resolve(parsed.TF_ARTIFACT_DIR) };
  }
  const parsed = parseOrThrow(minioSchema, present);
  return {
    driver,
    endpoint: parsed.TF_S3_ENDPOINT,
    accessKey: parsed.TF_S3_ACCESS_KEY,
    secretKey: parsed.TF_S3_SECRET_KEY,
    ...(parsed.TF_S3_SESSION_TOKEN ? { sessionToken: parsed.TF_S3_SESSION_TOKEN } : {}),
    bucket: parsed.TF_S3_BUCKET,
    region: parsed.TF_S3_REGION,
  };
}

/**
 * The inverse of loadStorageConfig: the variables from which it reads `config` back, for a process that must
 * open the same store (a training pod the trainer starts). Holds the secret key of a MinIO store.
 */
export function storageConfigEnv(config: StorageConfig): Record<string, string> {
  if (config.driver === 'filesystem') return { TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: config.artifactDir };
  return {
    TF_STORAGE_DRIVER: 'minio',
    TF_S3_ENDPOINT: config.endpoint,
    TF_S3_ACCESS_KEY: config.accessKey,
    TF_S3_SECRET_KEY: config.secretKey,
    ...(config.sessionToken ? { TF_S3_SESSION_TOKEN: config.sessionToken } : {}),
    TF_S3_BUCKET: config.bucket,
    TF_S3_REGION: config.region,
  };
}

function parseOrThrow<T>(schema: z.ZodType<T>, env: Record<string, unknown>): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  // Values are left out on purpose: one of these variables is a secret.
  const lines = result.error.issues.map((issue) => `  ${issue.path.map(String).join('.')}: ${issue.message}`);
  throw new StorageConfigError(`invalid artifact storage configuration:\n${lines.join('\n')}`);
}

function isServiceOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.pathname === '/' && !url.search;
  } catch {
    return false;
  }
}

function isBucketName(value: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(value);
}
