import { applyDecorators, Injectable, SetMetadata, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mergeMap, type Observable } from 'rxjs';
import { TENANT_OF_REQUEST, type AuthenticatedRequest } from '../auth/tenant.decorator';
import { QuotaExceededError } from '../errors/gateway-errors';
import { FilesService } from '../files/files.service';
import { QuotaService } from './quota.service';

/** What a route is checked for: creating a job (concurrent jobs, trained tokens per day) or uploading a file (stored bytes). */
export type QuotaCheck = 'job_create' | 'file_upload';

const QUOTA_CHECK = Symbol('QUOTA_CHECK');

/**
 * What of a multipart upload's Content-Length may be something other than the file: the other fields (`purpose`;
 * at most 10 of 16 KiB), boundaries and part headers. An honest client's are well under 1 KiB.
 */
export const MULTIPART_FRAMING_ALLOWANCE = 64 * 1024;

/**
 * Checks the caller's tenant quotas around a route (QuotaService), before the handler runs. An upload is checked
 * twice: before it is read, when it declares a Content-Length, with the least the file can be (the length less
 * MULTIPART_FRAMING_ALLOWANCE), so that an upload sure to go over is refused without being stored; after, with the
 * stored file's size, the file deleted if it went over (uploads without a length, or close to the limit).
 */
@Injectable()
export class QuotaInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly quotas: QuotaService,
    private readonly files: FilesService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const check = this.reflector.get<QuotaCheck | undefined>(QUOTA_CHECK, context.getHandler());
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const tenant = request[TENANT_OF_REQUEST];
    if (!check || !tenant) return next.handle();
    if (check === 'job_create') {
      await this.quotas.checkJobCreate(tenant);
      return next.handle();
    }
    const declared = Number(request.headers['content-length']);
    if (request.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared >= 0) await this.quotas.checkUpload(tenant, Math.max(0, declared - MULTIPART_FRAMING_ALLOWANCE));
    return next.handle().pipe(
      mergeMap(async (file: unknown) => {
        const { id, bytes } = file as { id: string; bytes: number };
        try {
          await this.quotas.checkStoredFile(tenant, id, bytes);
        } catch (error) {
          if (error instanceof QuotaExceededError) await this.files.delete(tenant, id);
          throw error;
        }
        return file;
      }),
    );
  }
}

/** The tenant's quotas are checked around this route (see QuotaInterceptor). */
export const EnforceQuota = (check: QuotaCheck) => applyDecorators(SetMetadata(QUOTA_CHECK, check), UseInterceptors(QuotaInterceptor));
