import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DashboardPanels, type Panel, type PanelSource } from './dashboard.js';
import { Dashboard } from './dashboard.js';
import { ObservabilityModule } from './observability.module.js';
import { RecentRequests } from './http-metrics.js';

const panel = (id: string, order: number, title = id): Panel => ({
  id,
  title,
  order,
  view: { kind: 'stats', items: [{ label: 'n', value: order }] },
});

@DashboardPanels()
@Injectable()
class First implements PanelSource {
  panels(): Promise<Panel[]> {
    return Promise.resolve([panel('shared', 0, 'first'), panel('b', 20)]);
  }
}

@DashboardPanels()
@Injectable()
class Second implements PanelSource {
  panels(): Promise<Panel[]> {
    return Promise.resolve([panel('shared', 0, 'second'), panel('a', 10)]);
  }
}

@DashboardPanels()
@Injectable()
class Broken implements PanelSource {
  panels(): Promise<Panel[]> {
    return Promise.reject(new Error('database is gone'));
  }
}

@Injectable()
class NotAPanel {
  panels(): Promise<Panel[]> {
    return Promise.resolve([panel('never', 0)]);
  }
}

@Module({ providers: [First, Second, Broken, NotAPanel] })
class Features {}

@Module({ imports: [ObservabilityModule.forRoot({ app: 'test', dashboardIntervalMs: 20 }), Features] })
class App {}

describe('Dashboard', () => {
  let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;
  beforeAll(async () => {
    app = await NestFactory.createApplicationContext(App, { logger: false });
  });
  afterAll(() => app.close());

  it("reads every marked provider's panels, one per id, ordered; a failing source becomes a problem line", async () => {
    const state = await app.get(Dashboard).state();
    expect(state.app).toBe('test');
    expect(state.panels.map((p) => [p.id, p.title])).toEqual([
      ['shared', 'first'],
      ['a', 'a'],
      ['b', 'b'],
    ]);
    expect(state.problems).toEqual(['Broken: database is gone']);
  });

  it('streams a state at once and then every interval, to each subscriber until it leaves', async () => {
    const dashboard = app.get(Dashboard);
    const seen: string[] = [];
    const leave = dashboard.subscribe({ next: (s) => seen.push(s.at), end: () => undefined });
    await new Promise((r) => setTimeout(r, 120));
    leave();
    const count = seen.length;
    expect(count).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(seen).toHaveLength(count);
  });

  it('ends every open stream before the HTTP server closes (an open one would hold the shutdown)', () => {
    const dashboard = app.get(Dashboard);
    let ended = 0;
    dashboard.subscribe({ next: () => undefined, end: () => ended++ });
    dashboard.subscribe({ next: () => undefined, end: () => ended++ });
    dashboard.beforeApplicationShutdown();
    expect(ended).toBe(2);
  });
});

describe('RecentRequests', () => {
  it('summarises only the window asked for, with exact percentiles', () => {
    const recent = new RecentRequests(1000);
    const now = 1_000_000;
    recent.record(500, now - 20_000); // outside a 10 s window
    for (let i = 1; i <= 100; i++) recent.record(i, now - 5_000 + i);
    expect(recent.summary(10_000, now)).toEqual({ requests: 100, perSecond: 10, p50Ms: 50, p99Ms: 99 });
    expect(recent.summary(10_000, now + 60_000)).toEqual({ requests: 0, perSecond: 0, p50Ms: null, p99Ms: null });
  });

  it('keeps the latest requests when the ring is full, and rates them over the span it still holds', () => {
    const recent = new RecentRequests(10);
    for (let i = 1; i <= 25; i++) recent.record(i, 1000 + i * 100);
    // The ten kept were answered from 2,600 to 3,500 ms: 10 in 0.9 s, not 10 in the 10 s asked for.
    expect(recent.summary(10_000, 3500)).toEqual({ requests: 10, perSecond: 10 / 0.9, p50Ms: 20, p99Ms: 25 });
  });
});
