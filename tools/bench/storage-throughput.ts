/**
 * MB/s of uploads and downloads through MinioArtifactStore next to a plain minio client
 * (putObject / getObject) on the same MinIO and the same bytes, and the ratio store / plain
 * (DESIGN.md §6: at least 0.8). Not a test: run it against infra/up.sh's MinIO.
 *   node -r @swc-node/register tools/bench/storage-throughput.ts [megabytes=256] [repetitions=5]
 * TF_S3_ENDPOINT, TF_S3_ACCESS_KEY, TF_S3_SECRET_KEY and TF_S3_REGION point it elsewhere.
 */
import { MinioArtifactStore } from '@tuneforge/storage';
import { pseudoRandomStream } from '@tuneforge/storage/src/testing/pseudo-random-stream';
import { Client } from 'minio';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

const MEGABYTES = Number(process.argv[2] ?? 256);
const REPETITIONS = Number(process.argv[3] ?? 5);
const BYTES = MEGABYTES * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

const connection = {
  endpoint: process.env.TF_S3_ENDPOINT || 'http://127.0.0.1:9000',
  accessKey: process.env.TF_S3_ACCESS_KEY || 'tuneforge',
  secretKey: process.env.TF_S3_SECRET_KEY || 'tuneforge-dev-secret',
  region: process.env.TF_S3_REGION || 'us-east-1',
};
const bucket = `tf-bench-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;

interface Contender {
  name: string;
  upload(key: string, body: Readable): Promise<void>;
  download(key: string): Promise<Readable>;
}

/** Generated once and held, so that neither side pays for producing the bytes inside its timing. */
async function payload(): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of pseudoRandomStream(BYTES, 'storage-throughput')) chunks.push(chunk as Buffer);
  return chunks;
}

/** Streams the held chunks as a caller would stream a file: 1 MiB at a time, size unknown in advance. */
function streamOf(chunks: Buffer[]): Readable {
  return Readable.from(chunks, { objectMode: false, highWaterMark: CHUNK_BYTES });
}

async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

async function megabytesPerSecond(operation: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await operation();
  return BYTES / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function plainClient(): Client {
  const url = new URL(connection.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    useSSL: url.protocol === 'https:',
    accessKey: connection.accessKey,
    secretKey: connection.secretKey,
    region: connection.region,
    pathStyle: true,
  });
}

async function removeBucket(client: Client): Promise<void> {
  if (!(await client.bucketExists(bucket))) return;
  const names: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true)) if (item.name) names.push(item.name);
  await client.removeObjects(bucket, names);
  await client.removeBucket(bucket);
}

async function main(): Promise<void> {
  const client = plainClient();
  const store = new MinioArtifactStore({ ...connection, bucket });
  await store.ping();
  await client.makeBucket(bucket, connection.region);

  const contenders: Contender[] = [
    {
      name: 'MinioArtifactStore',
      upload: async (key, body) => void (await store.put(key, body)),
      download: (key) => store.get(key),
    },
    {
      name: 'plain minio client',
      // The size is known here, which lets minio-js pick its part size; the store is not told it.
      upload: async (key, body) => void (await client.putObject(bucket, key, body, BYTES)),
      download: (key) => client.getObject(bucket, key),
    },
  ];

  const chunks = await payload();
  const rates = new Map(contenders.map((contender) => [contender.name, { upload: [] as number[], download: [] as number[] }]));
  // Alternate who goes first, so that neither side always meets a warmer or a busier server.
  const orderOf = (repetition: number) => (repetition % 2 === 0 ? contenders : [...contenders].reverse());
  console.log(`${MEGABYTES} MiB, ${REPETITIONS} repetitions, ${connection.endpoint}, bucket ${bucket}`);
  try {
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      const keyOf = (contender: Contender) => `bench/${repetition}/${contender.name.replace(/\W+/g, '-')}.bin`;
      for (const contender of orderOf(repetition)) {
        rates.get(contender.name)?.upload.push(await megabytesPerSecond(() => contender.upload(keyOf(contender), streamOf(chunks))));
      }
      // Each repetition starts from the same server state rather than a disk that keeps filling up.
      await client.removeObjects(bucket, contenders.map(keyOf));
    }

    // Downloads run as a phase of their own, all reading one object already read once: a read right
    // after half a gigabyte of writes pays for the server and its disk settling them, and which object
    // the disk serves faster is not what is compared here.
    const downloadSource = 'bench/download-source.bin';
    await client.putObject(bucket, downloadSource, streamOf(chunks), BYTES);
    await drain(await client.getObject(bucket, downloadSource));
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      for (const contender of orderOf(repetition)) {
        const download = await megabytesPerSecond(async () => {
          const bytes = await drain(await contender.download(downloadSource));
          if (bytes !== BYTES) throw new Error(`${contender.name} downloaded ${bytes} bytes, expected ${BYTES}`);
        });
        rates.get(contender.name)?.download.push(download);
      }
    }
  } finally {
    await removeBucket(client);
  }

  for (let repetition = 0; repetition < REPETITIONS; repetition++) {
    for (const contender of contenders) {
      const { upload, download } = rates.get(contender.name) ?? { upload: [], download: [] };
      console.log(
        `  #${repetition + 1} ${contender.name.padEnd(20)} upload ${upload[repetition].toFixed(0).padStart(5)} MB/s   download ${download[repetition].toFixed(0).padStart(5)} MB/s`,
      );
    }
  }

  const [storeRates, plainRates] = contenders.map((contender) => rates.get(contender.name) ?? { upload: [], download: [] });
  console.log('median MB/s            upload   download');
  for (const contender of contenders) {
    const { upload, download } = rates.get(contender.name) ?? { upload: [], download: [] };
    console.log(`  ${contender.name.padEnd(20)} ${median(upload).toFixed(0).padStart(6)}   ${median(download).toFixed(0).padStart(8)}`);
  }
  const uploadRatio = median(storeRates.upload) / median(plainRates.upload);
  const downloadRatio = median(storeRates.download) / median(plainRates.download);
  console.log(`ratio store/plain      ${uploadRatio.toFixed(2).padStart(6)}   ${downloadRatio.toFixed(2).padStart(8)}   (target >= 0.80)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
