import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HealthRegistry, type HealthReport } from './health.registry.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get()
  @ApiOkResponse({ description: 'Every dependency is up.' })
  @ApiServiceUnavailableResponse({ description: 'At least one dependency is down; the body says which.' })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    return this.answer(reply, false);
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Ready to take traffic.' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: a dependency is down or still warming up.' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    return this.answer(reply, true);
  }

  /** Liveness: the event loop answers. Dependencies are left out so a broker outage does not restart every pod. */
  @Get('live')
  @ApiOkResponse({ description: 'The process is alive.' })
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  private async answer(reply: FastifyReply, readiness: boolean): Promise<HealthReport> {
    const report = await this.registry.report({ readiness });
    void reply.status(report.status === 'up' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
