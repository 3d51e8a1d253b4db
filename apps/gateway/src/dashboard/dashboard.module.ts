import { Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DASHBOARD_BUNDLE_DIR } from './dashboard-bundle';
import { DashboardStaticMiddleware } from './dashboard-static.middleware';

/** The web dashboard (apps/dashboard), served by the gateway at `/` beside the API it calls. */
@Module({})
export class DashboardModule implements NestModule {
  /** Serves the build in `bundleDir` (null or a directory without index.html: `/` says how to build it). */
  static forBundle(bundleDir: string | null): DynamicModule {
    return { module: DashboardModule, providers: [{ provide: DASHBOARD_BUNDLE_DIR, useValue: bundleDir }, DashboardStaticMiddleware] };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Every path: the middleware itself lets the API's and the probes' requests through untouched.
    consumer.apply(DashboardStaticMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
