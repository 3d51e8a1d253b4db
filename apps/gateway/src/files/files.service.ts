import { Inject, Injectable } from '@nestjs/common';
import {
  fileIdSchema,
  uploadFileFieldsSchema,
  type ListFilesQuery,
  type OpenAiFile,
  type OpenAiFileDeleted,
  type OpenAiList,
} from '@tuneforge/contracts';
import { ARTIFACT_STORE, SERVICE_CONFIG } from '@tuneforge/service-kit';
import { ArtifactNotFoundError, type ArtifactStore } from '@tuneforge/storage';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { GatewayConfig } from '../config/gateway-config';
import { InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { validateRequest } from '../http/validate';
import { newFileId } from './file-id';
import { FILES_PREFIX, fileContentKey, fileRecordKey, fileRecordSchema, toOpenAiFile, type FileRecord } from './file-record';
import { receiveMultipartUpload } from './multipart-upload';

/** Fields of a file object the server sets; a client sending them is told so. */
const SERVER_OWNED_FILE_FIELDS = ['id', 'object', 'bytes', 'created_at', 'filename', 'status', 'status_details', 'expires_at'] as const;

/** The Files API over each tenant's own part of the artifact store. */
@Injectable()
export class FilesService {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'TF_MAX_UPLOAD_BYTES'>,
  ) {}

  async upload(tenant: string, request: IncomingMessage): Promise<OpenAiFile> {
    const store = this.store.forTenant(tenant);
    const id = newFileId();
    const { fields, file } = await receiveMultipartUpload(request, {
      maxFileBytes: this.config.TF_MAX_UPLOAD_BYTES,
      store: (content, contentType) => store.put(fileContentKey(id), content, { contentType }),
    });
    try {
      const { purpose } = validateRequest(uploadFileFieldsSchema, fields, { serverOwned: SERVER_OWNED_FILE_FIELDS });
      if (purpose === 'fine-tune' && !file.verdict.ok) {
        throw new InvalidRequestError(`Invalid file format for fine-tuning: line ${file.verdict.line} ${file.verdict.reason}. Each line must be a JSON object.`, 'file');
      }
      const record: FileRecord = {
        id,
        bytes: file.stored.size,
        sha256: file.stored.sha256,
        filename: file.filename,
        purpose,
        content_type: file.contentType,
        created_at: Math.floor(Date.now() / 1000),
        status: 'processed',
      };
      await store.put(fileRecordKey(id), JSON.stringify(record), { contentType: 'application/json' });
      return toOpenAiFile(record);
    } catch (error) {
      await store.delete(fileContentKey(id));
      throw error;
    }
  }

  async list(tenant: string, query: ListFilesQuery): Promise<OpenAiList<OpenAiFile>> {
    const store = this.store.forTenant(tenant);
    const ids: string[] = [];
    for await (const { key } of store.list(FILES_PREFIX)) {
      const id = /^files\/([^/]+)\/meta\.json$/.exec(key)?.[1];
      if (id) ids.push(id);
    }
    // Ids sort by creation time, so the cursor is a comparison and only the page's records are read.
    ids.sort();
    if (query.order === 'desc') ids.reverse();
    const after = query.after;
    const candidates = after ? ids.filter((id) => (query.order === 'desc' ? id < after : id > after)) : ids;
    const page: OpenAiFile[] = [];
    let hasMore = false;
    for (const id of candidates) {
      const record = await this.readRecord(store, id);
      if (!record || (query.purpose && record.purpose !== query.purpose)) continue;
      if (page.length === query.limit) {
        hasMore = true;
        break;
      }
      page.push(toOpenAiFile(record));
    }
    return { object: 'list', data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
  }

  async retrieve(tenant: string, id: string): Promise<OpenAiFile> {
    return toOpenAiFile(await this.requireRecord(tenant, id));
  }

  async content(tenant: string, id: string): Promise<{ record: FileRecord; stream: Readable }> {
    const record = await this.requireRecord(tenant, id);
    try {
      return { record, stream: await this.store.forTenant(tenant).get(fileContentKey(id)) };
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) throw new ObjectNotFoundError('File', id);
      throw error;
    }
  }

  /** The record goes first: from then on the file is gone for readers, whatever happens to the bytes. */
  async delete(tenant: string, id: string): Promise<OpenAiFileDeleted> {
    await this.requireRecord(tenant, id);
    const store = this.store.forTenant(tenant);
    await store.delete(fileRecordKey(id));
    await store.delete(fileContentKey(id));
    return { id, object: 'file', deleted: true };
  }

  /** Ids that are not file ids are as unknown as ids of another tenant's files. */
  private async requireRecord(tenant: string, id: string): Promise<FileRecord> {
    const record = fileIdSchema.safeParse(id).success ? await this.readRecord(this.store.forTenant(tenant), id) : undefined;
    if (!record) throw new ObjectNotFoundError('File', id);
    return record;
  }

  private async readRecord(store: ArtifactStore, id: string): Promise<FileRecord | undefined> {
    try {
      return await store.getJson(fileRecordKey(id), fileRecordSchema);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
  }
}
