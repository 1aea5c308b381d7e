import { Injectable, Logger, SetMetadata, type BeforeApplicationShutdown, type Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';

/** A value in a table cell or a stat: shown as it is; null as a dash. */
export type Cell = string | number | null;

export interface Stat {
  readonly label: string;
  readonly value: Cell;
  readonly unit?: string;
}

export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

/** One partition of a topic: its log start and log-end offsets (end = records ever written to it). */
export interface TopicPartitionView {
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

export interface TopicView {
  readonly topic: string;
  /** A dead-letter topic: its records are ones some consumer group could not apply. */
  readonly deadLetter: boolean;
  readonly partitions: readonly TopicPartitionView[];
}

export interface GroupMemberView {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
  /** The partitions the group's leader assigned to it, per topic. */
  readonly assignment: Readonly<Record<string, readonly number[]>>;
}

export interface GroupPartitionView {
  readonly topic: string;
  readonly partition: number;
  /** The committed offset (the next record the group reads); null before its first commit. */
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number;
  /** The memberId of the member holding it; null while nobody does (stopped, rebalancing). */
  readonly member: string | null;
}

/**
 * What a dashboard panel shows. Generic kinds (stats, a table, bars) for what features contribute,
 * and the two Kafka views the platform contributes (topics, one consumer group).
 */
export type PanelView =
  | { readonly kind: 'stats'; readonly items: readonly Stat[] }
  | {
      readonly kind: 'table';
      readonly columns: readonly string[];
      readonly rows: readonly (readonly Cell[])[];
      /** Shown when there are no rows. */
      readonly empty: string;
    }
  | {
      readonly kind: 'bars';
      readonly labels: readonly string[];
      readonly series: readonly Series[];
      readonly empty: string;
    }
  | { readonly kind: 'topics'; readonly topics: readonly TopicView[] }
  | {
      readonly kind: 'group';
      readonly group: string;
      /** As the broker describes it: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
      readonly brokerState: string;
      /** As the process running it sees it (GroupState of @nurt/kafka), e.g. consuming, stopped, rebuilding. */
      readonly localState: string;
      readonly members: readonly GroupMemberView[];
      readonly partitions: readonly GroupPartitionView[];
      readonly lag: number;
    };

export interface Panel {
  /** Unique across a deployment: the gateway merges the panels of every service by it. */
  readonly id: string;
  readonly title: string;
  /** Where it goes on the page: lower first. */
  readonly order: number;
  readonly view: PanelView;
}

/** Anything that contributes panels: a provider marked with `@DashboardPanels()`. */
export interface PanelSource {
  panels(): Promise<readonly Panel[]>;
}

export interface DashboardState {
  readonly app: string;
  readonly at: string;
  readonly panels: readonly Panel[];
  /** Sources that could not be read this time, with why. */
  readonly problems: readonly string[];
}

const PANEL_SOURCE = Symbol('nurt.dashboard.panels');

/**
 * Marks a provider (implementing PanelSource) whose panels go on `/dashboard`. The dashboard knows
 * no feature: each one says what it has to show, in the generic kinds of PanelView.
 */
export const DashboardPanels = (): ClassDecorator => SetMetadata(PANEL_SOURCE, true);

/** A source slower than this is reported as a problem, so one stuck query does not freeze the page. */
const SOURCE_TIMEOUT_MS = 3000;

interface Listener {
  readonly next: (state: DashboardState) => void;
  /** The app is shutting down: end the stream (an open one would keep the HTTP server from closing). */
  readonly end: () => void;
}

/**
 * The dashboard's data: every `@DashboardPanels()` provider of the app, read together. Live pages
 * (`/dashboard/events`) share one read per tick however many are open, and nothing is read while
 * none is.
 */
@Injectable()
export class Dashboard implements BeforeApplicationShutdown {
  private readonly log = new Logger('Dashboard');
  private sources: readonly { readonly name: string; readonly source: PanelSource }[] | null = null;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<DashboardState> | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly app: string,
    private readonly intervalMs: number,
  ) {}

  /** Every source's panels now, ordered; a source that fails or hangs becomes a problem line. */
  state(): Promise<DashboardState> {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** Calls `listener` with a new state every interval (the first at once) until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    void this.tick(listener);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Before Nest closes the HTTP server, which waits for every open response to finish. */
  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
  }

  private async tick(only?: Listener): Promise<void> {
    try {
      const state = await this.state();
      for (const listener of only ? [only] : this.listeners) if (this.listeners.has(listener)) listener.next(state);
    } catch (err: unknown) {
      this.log.warn(`dashboard state failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async read(): Promise<DashboardState> {
    const at = new Date().toISOString();
    const problems: string[] = [];
    const read = await Promise.all(
      this.discover().map(async ({ name, source }) => {
        try {
          return await withTimeout(
            source.panels(),
            SOURCE_TIMEOUT_MS,
            `${name} did not answer in ${SOURCE_TIMEOUT_MS} ms`,
          );
        } catch (err: unknown) {
          problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
          return [];
        }
      }),
    );
    // One panel per id: the gateway hears the same topics from several services.
    const panels = new Map<string, Panel>();
    for (const panel of read.flat()) if (!panels.has(panel.id)) panels.set(panel.id, panel);
    return {
      app: this.app,
      at,
      panels: [...panels.values()].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id)),
      problems,
    };
  }

  private discover(): readonly { readonly name: string; readonly source: PanelSource }[] {
    this.sources ??= this.discovery
      .getProviders()
      .filter((w) => w.metatype && w.instance && this.reflector.get<boolean>(PANEL_SOURCE, w.metatype as Type))
      .map((w) => ({ name: String(w.name), source: w.instance as PanelSource }));
    return this.sources;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
