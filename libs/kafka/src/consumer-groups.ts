import { Injectable } from '@nestjs/common';
import { ConsumerLag } from './consumer-lag.js';
import type { GroupStatus, ProjectionServer } from './projection.server.js';
import type { RebuildFrom, ReplayedPartition } from './rebuild-plan.js';

/** A rebuild as `GET /admin/groups/:group/rebuild` and `npm run rebuild` report it. */
export interface RebuildProgress {
  readonly group: string;
  /** `replaying` until the group has committed every record that was in the log when it started. */
  readonly state: 'replaying' | 'done';
  readonly from: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Records to replay: the log as it was when the rebuild started, from where it was rewound. */
  readonly records: number;
  /** Of those, how many the group has applied and committed (as last read with the lag). */
  readonly replayed: number;
  /** The group's lag now (records written since count too); null while it cannot be read. */
  readonly lag: number | null;
  readonly partitions: readonly ReplayedPartition[];
}

interface Rebuild {
  readonly from: string;
  readonly startedAt: string;
  /** Offsets read before this predate the rewind: they say nothing of the replay. */
  readonly rewoundAt: string;
  readonly partitions: readonly ReplayedPartition[];
  finishedAt?: string;
}

/** What /health and the admin endpoints know of a group this process runs. */
export interface GroupView extends GroupStatus {
  readonly group: string;
  readonly lag: number | null;
  readonly rebuildable: boolean;
}

/**
 * The consumer groups this process runs (`startProjections` adds them): their state and lag for
 * /health, and rebuilding one from the log.
 */
@Injectable()
export class ConsumerGroups {
  private readonly servers = new Map<string, ProjectionServer>();
  private readonly rebuilds = new Map<string, Rebuild>();

  constructor(private readonly lag: ConsumerLag) {}

  add(server: ProjectionServer): void {
    this.servers.set(server.name, server);
    this.lag.watch(
      server.name,
      server.definition.contracts.map((c) => c.topic),
    );
  }

  names(): string[] {
    return [...this.servers.keys()];
  }

  /**
   * Takes the group's member in this process out of the group: the batch in hand finishes and is
   * committed, the member leaves, and its partitions go to the group's other members (if any).
   * Its lag then grows with every record written, until `start`.
   */
  async stop(group: string): Promise<GroupView> {
    await this.server(group).stopGroup();
    await this.lag.readNow();
    return this.view(group);
  }

  /** Joins the group again after `stop`; it goes on from its committed offsets. */
  async start(group: string): Promise<GroupView> {
    await this.server(group).startGroup();
    return this.view(group);
  }

  has(group: string): boolean {
    return this.servers.has(group);
  }

  view(group: string): GroupView {
    const server = this.server(group);
    return {
      group,
      ...server.groupStatus(),
      lag: this.lag.of(group)?.total ?? null,
      rebuildable: server.definition.rebuildable,
    };
  }

  /** Starts rebuilding the group's view; resolves once it is rewound, cleared and consuming again. */
  async rebuild(group: string, from: RebuildFrom, force: boolean): Promise<RebuildProgress> {
    const startedAt = new Date().toISOString();
    const partitions = await this.server(group).rebuild(from, force);
    this.rebuilds.set(group, {
      from: from === 'earliest' ? 'earliest' : from.toISOString(),
      startedAt,
      rewoundAt: new Date().toISOString(),
      partitions,
    });
    await this.lag.readNow();
    return this.progress(group) as RebuildProgress;
  }

  /** The group's last rebuild in this process, with its progress read from the lag; null if none. */
  progress(group: string): RebuildProgress | null {
    this.server(group);
    const rebuild = this.rebuilds.get(group);
    if (!rebuild) return null;
    const read = this.lag.of(group);
    const lag = read !== null && read.at >= rebuild.rewoundAt ? read : null;
    const committed = new Map(lag?.partitions.map((p) => [`${p.topic}/${p.partition}`, p.committed]) ?? []);
    let records = 0;
    let replayed = 0;
    for (const p of rebuild.partitions) {
      const span = Math.max(0, p.to - p.from);
      const at = committed.get(`${p.topic}/${p.partition}`) ?? null;
      records += span;
      replayed += at === null ? 0 : Math.min(span, Math.max(0, at - p.from));
    }
    if (rebuild.finishedAt === undefined && lag !== null && replayed === records) {
      rebuild.finishedAt = lag.at;
    }
    return {
      group,
      state: rebuild.finishedAt === undefined ? 'replaying' : 'done',
      from: rebuild.from,
      startedAt: rebuild.startedAt,
      ...(rebuild.finishedAt !== undefined ? { finishedAt: rebuild.finishedAt } : {}),
      records,
      replayed,
      lag: lag?.total ?? null,
      partitions: rebuild.partitions,
    };
  }

  private server(group: string): ProjectionServer {
    const server = this.servers.get(group);
    if (!server) throw new UnknownGroupError(group, this.names());
    return server;
  }
}

export class UnknownGroupError extends Error {
  constructor(group: string, known: readonly string[]) {
    super(`no consumer group ${group} in this process (it runs ${known.length > 0 ? known.join(', ') : 'none'})`);
    this.name = 'UnknownGroupError';
  }
}
