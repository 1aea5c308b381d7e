import { Module, type DynamicModule } from '@nestjs/common';
import { loadGatewayEnv } from './gateway.config.js';
import { GatewayDashboard } from './gateway.dashboard.js';
import { GatewayDocs } from './gateway.docs.js';
import { GatewayProxy } from './gateway.proxy.js';
import { GATEWAY_ENV } from './gateway.tokens.js';
import { UpstreamHealth } from './upstream.health.js';

/** The split deployment's single entry point: routes each path to the service that owns it. */
@Module({})
export class GatewayModule {
  static forRoot(): DynamicModule {
    return {
      module: GatewayModule,
      providers: [
        { provide: GATEWAY_ENV, useFactory: () => loadGatewayEnv() },
        GatewayProxy,
        UpstreamHealth,
        GatewayDocs,
        GatewayDashboard,
      ],
      exports: [GatewayDocs],
    };
  }
}
