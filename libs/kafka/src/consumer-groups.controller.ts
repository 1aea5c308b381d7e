import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ISO_DATE_TIME } from '@nurt/contracts';
import { AdminGuard } from '@nurt/observability';
import { IsBoolean, IsOptional, Matches } from 'class-validator';
import { ConsumerGroups, UnknownGroupError, type GroupView, type RebuildProgress } from './consumer-groups.js';
import { GroupChangeRefused } from './projection.server.js';

export class RebuildRequestDto {
  /** `earliest` (default) or an ISO 8601 time with its offset, e.g. 2026-11-30T12:00:00Z. */
  @IsOptional()
  @Matches(new RegExp(`^earliest$|${ISO_DATE_TIME.source}`), {
    message: 'from must be "earliest" or an ISO 8601 time with its zone, e.g. 2026-11-30T12:00:00Z',
  })
  from?: string;

  /** Rebuild even where the log no longer holds records the view was built from. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

/**
 * The consumer groups of this process, for operators: `GET /admin/groups`; stopping a group's
 * member here and starting it again (`POST /admin/groups/:group/stop|start`: watch its lag grow and
 * fall on /dashboard); and rebuilding a
 * group's view from the log with `POST /admin/groups/:group/rebuild` (`npm run rebuild` calls it)
 * and its progress at `GET /admin/groups/:group/rebuild`. Guarded by AdminGuard.
 */
@ApiExcludeController()
@UseGuards(AdminGuard)
@Controller('admin/groups')
export class ConsumerGroupsController {
  constructor(private readonly groups: ConsumerGroups) {}

  @Get()
  list(): GroupView[] {
    return this.groups.names().map((g) => this.groups.view(g));
  }

  @Post(':group/stop')
  @HttpCode(200)
  stop(@Param('group') group: string): Promise<GroupView> {
    return this.refusing(() => this.groups.stop(group));
  }

  @Post(':group/start')
  @HttpCode(200)
  start(@Param('group') group: string): Promise<GroupView> {
    return this.refusing(() => this.groups.start(group));
  }

  @Post(':group/rebuild')
  @HttpCode(202)
  async rebuild(@Param('group') group: string, @Body() body: RebuildRequestDto): Promise<RebuildProgress> {
    const from = body.from === undefined || body.from === 'earliest' ? 'earliest' : new Date(body.from);
    return this.refusing(() => this.groups.rebuild(group, from, body.force ?? false));
  }

  @Get(':group/rebuild')
  progress(@Param('group') group: string): RebuildProgress {
    let progress: RebuildProgress | null;
    try {
      progress = this.groups.progress(group);
    } catch (err: unknown) {
      if (err instanceof UnknownGroupError) throw new NotFoundException(err.message);
      throw err;
    }
    if (!progress) throw new NotFoundException(`${group} has not been rebuilt since this process started`);
    return progress;
  }

  /** An unknown group is a 404; a change the group's state does not allow now, a 409. */
  private async refusing<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (err: unknown) {
      if (err instanceof UnknownGroupError) throw new NotFoundException(err.message);
      if (err instanceof GroupChangeRefused) throw new ConflictException(err.message);
      throw err;
    }
  }
}
