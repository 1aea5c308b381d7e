import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Dashboard, type DashboardState } from './dashboard.js';

/**
 * The page's files: its own, from the repository (`libs/observability/dashboard`, copied beside
 * the build by nest-cli.json's assets), and Chart.js from node_modules. A fixed list: nothing else
 * on disk can be asked for.
 */
const PAGE_DIR = join(import.meta.dirname, '../dashboard');
const ASSETS: Readonly<Record<string, { readonly path: string; readonly type: string }>> = {
  'dashboard.js': { path: join(PAGE_DIR, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: join(PAGE_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  'chart.umd.min.js': {
    path: join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/** A comment line every so often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * A live page of the whole flow at `/dashboard` (and `/` redirects to it): topics and their end
 * offsets, each consumer group's members, assignment and lag, and what every feature contributes.
 * `/dashboard/events` streams the state as Server-Sent Events; `/dashboard/state` is one read of it.
 */
@ApiTags('dashboard')
@Controller()
export class DashboardController {
  constructor(private readonly dashboard: Dashboard) {}

  @Get()
  @ApiExcludeEndpoint()
  root(@Res() reply: FastifyReply): void {
    void reply.redirect('/dashboard', 302);
  }

  @Get('dashboard')
  @ApiExcludeEndpoint()
  async page(@Res() reply: FastifyReply): Promise<void> {
    await this.send(reply, join(PAGE_DIR, 'index.html'), 'text/html; charset=utf-8');
  }

  @Get('dashboard/assets/:file')
  @ApiExcludeEndpoint()
  async asset(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw new NotFoundException(`no dashboard asset ${file}`);
    await this.send(reply, asset.path, asset.type);
  }

  @Get('dashboard/state')
  @ApiOperation({ summary: "The dashboard's panels now (what /dashboard/events streams every second)" })
  @ApiOkResponse({ description: 'Every panel of this app (through the gateway: of every service behind it).' })
  state(): Promise<DashboardState> {
    return this.dashboard.state();
  }

  @Get('dashboard/events')
  @ApiOperation({ summary: "The dashboard's panels as Server-Sent Events, one `state` event a second" })
  events(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and other buffering proxies: pass each event on as it comes.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const unsubscribe = this.dashboard.subscribe({
      next: (state) => res.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`),
      end: () => res.end(),
    });
    request.raw.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  }

  private async send(reply: FastifyReply, path: string, type: string): Promise<void> {
    // Read each time: small files, and an edited page is served as it is now (nest-cli's watchAssets).
    const body = await readFile(path);
    await reply.header('content-type', type).header('cache-control', 'no-cache').send(body);
  }
}
