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
import { fileContentKey, toOpenAiFile, type FileRecord } from './file-record';
import { FileRepository } from './file-repository';
import { receiveMultipartUpload } from './multipart-upload';

/** Fields of a file object the server sets; a client sending them is told so. */
const SERVER_OWNED_FILE_FIELDS = ['id', 'object', 'bytes', 'created_at', 'filename', 'status', 'status_details', 'expires_at'] as const;

/** The Files API: records in the metadata database, bytes in each tenant's own part of the artifact store. */
@Injectable()
export class FilesService {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'TF_MAX_UPLOAD_BYTES'>,
    @Inject(FileRepository) private readonly files: FileRepository,
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
      // The bytes first, then the record: a file without its record does not exist as far as the API is concerned.
      await this.files.insert(tenant, record);
      return toOpenAiFile(record);
    } catch (error) {
      await store.delete(fileContentKey(id));
      throw error;
    }
  }

  async list(tenant: string, query: ListFilesQuery): Promise<OpenAiList<OpenAiFile>> {
    const { records, hasMore } = await this.files.list(tenant, query);
    const page = records.map(toOpenAiFile);
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
    if (!fileIdSchema.safeParse(id).success || !(await this.files.delete(tenant, id))) throw new ObjectNotFoundError('File', id);
    await this.store.forTenant(tenant).delete(fileContentKey(id));
    return { id, object: 'file', deleted: true };
  }

  /** Ids that are not file ids are as unknown as ids of another tenant's files. */
  private async requireRecord(tenant: string, id: string): Promise<FileRecord> {
    const record = fileIdSchema.safeParse(id).success ? await this.files.get(tenant, id) : undefined;
    if (!record) throw new ObjectNotFoundError('File', id);
    return record;
  }
}
