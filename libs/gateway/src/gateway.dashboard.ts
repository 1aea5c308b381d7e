import { Inject, Injectable } from '@nestjs/common';
import { DashboardPanels, type DashboardState, type Panel, type PanelSource } from '@nurt/observability';
import { upstreams, type GatewayEnv } from './gateway.config.js';
import { GATEWAY_ENV } from './gateway.tokens.js';
import { fetchFailure } from './upstream.health.js';

/** Well inside the dashboard's own per-source limit (3 s), so one slow service costs only its own panels. */
const TIMEOUT_MS = 2000;

/**
 * The gateway's dashboard is the whole system's: the panels of every service behind it (each
 * service's `/dashboard/state`), and a table of which services answered. Panels that several
 * services show alike (the topics) are kept once, by id.
 */
@DashboardPanels()
@Injectable()
export class GatewayDashboard implements PanelSource {
  constructor(@Inject(GATEWAY_ENV) private readonly env: GatewayEnv) {}

  async panels(): Promise<Panel[]> {
    const read = await Promise.all(
      upstreams(this.env).map(async ({ service, url }) => {
        try {
          const res = await fetch(`${url}/dashboard/state`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
          if (!res.ok) return { service, url, panels: [], status: `answered ${res.status}` };
          const state = (await res.json()) as DashboardState;
          const problems = state.problems.length > 0 ? `: ${state.problems.join('; ')}` : '';
          return { service, url, panels: state.panels, status: `up${problems}` };
        } catch (err: unknown) {
          return { service, url, panels: [], status: `unreachable: ${fetchFailure(err)}` };
        }
      }),
    );
    return [
      ...read.flatMap((r) => r.panels),
      {
        id: 'gateway.services',
        title: 'Services behind the gateway',
        order: 90,
        view: {
          kind: 'table',
          columns: ['service', 'url', 'dashboard'],
          rows: read.map((r) => [r.service, r.url, r.status]),
          empty: 'No services configured.',
        },
      },
    ];
  }
}
