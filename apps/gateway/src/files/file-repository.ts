import { Inject, Injectable } from '@nestjs/common';
import type { FilePurpose } from '@tuneforge/contracts';
import type { Database, Queryable } from '@tuneforge/database';
import { DATABASE, requireDatabase } from '@tuneforge/service-kit';
import type { FileRecord } from './file-record';

export interface FileListQuery {
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
  purpose?: FilePurpose;
}

/**
 * Files' records in the metadata database (`files`: the record as jsonb, with the columns lists filter and sort on);
 * the bytes stay in the tenant's part of the artifact store, at `fileContentKey(id)`.
 */
@Injectable()
export class FileRepository {
  private readonly db: Database;

  constructor(@Inject(DATABASE) database: Database | null) {
    this.db = requireDatabase(database, 'gateway');
  }

  async insert(tenant: string, record: FileRecord, via: Queryable = this.db): Promise<void> {
    await via.query('INSERT INTO files (tenant, id, purpose, bytes, created_at, record) VALUES ($1, $2, $3, $4, $5, $6::jsonb)', [
      tenant,
      record.id,
      record.purpose,
      record.bytes,
      record.created_at,
      JSON.stringify(record),
    ]);
  }

  async get(tenant: string, id: string): Promise<FileRecord | undefined> {
    const [row] = await this.db.query<{ record: FileRecord }>('SELECT record FROM files WHERE tenant = $1 AND id = $2', [tenant, id]);
    return row?.record;
  }

  /** Removes the record; false when there was none. */
  async delete(tenant: string, id: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM files WHERE tenant = $1 AND id = $2 RETURNING id', [tenant, id])).length > 0;
  }

  /**
   * A page by (created_at, id), newest first unless `order` is asc: one range scan of `files_by_time` after the cursor
   * file's place, LIMIT n + 1 telling whether there is more. A cursor that is no longer a file (deleted since) pages
   * from where it sorted: its id carries its creation time.
   */
  async list(tenant: string, query: FileListQuery): Promise<{ records: FileRecord[]; hasMore: boolean }> {
    const params: unknown[] = [tenant];
    const where = ['tenant = $1'];
    if (query.purpose) {
      params.push(query.purpose);
      where.push(`purpose = $${params.length}`);
    }
    if (query.after !== undefined) {
      const [cursor] = await this.db.query<{ created_at: number }>('SELECT created_at FROM files WHERE tenant = $1 AND id = $2', [tenant, query.after]);
      params.push(cursor?.created_at ?? createdAtOfId(query.after), query.after);
      where.push(`(created_at, id) ${query.order === 'desc' ? '<' : '>'} ($${params.length - 1}, $${params.length})`);
    }
    params.push(query.limit + 1);
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    const rows = await this.db.query<{ record: FileRecord }>(
      `SELECT record FROM files WHERE ${where.join(' AND ')} ORDER BY created_at ${direction}, id ${direction} LIMIT $${params.length}`,
      params,
    );
    return { records: rows.slice(0, query.limit).map((row) => row.record), hasMore: rows.length > query.limit };
  }
}

/** Unix seconds from a file id's base-36 millisecond prefix (`newFileId`). */
function createdAtOfId(id: string): number {
  const millis = parseInt(id.slice('file-'.length, 'file-'.length + 9), 36);
  return Number.isFinite(millis) ? Math.floor(millis / 1000) : 0;
}
