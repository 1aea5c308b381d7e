import { SERVICES, type ServiceName } from '@nurt/contracts';
import { gatewayUrlVariable } from '@nurt/gateway';
import { loadServices } from '../../apps/services/index.js';
import { freePort, freePortRun } from './net.js';
import { positionGroupsAtEnd } from './pipeline.js';
import { startBuiltApp, waitForHttp, type AppProcess } from './process.js';

export type Mode = 'monolith' | 'split';

/**
 * The whole system behind one URL, as `npm start` (monolith) or `npm run start:split` (every
 * service its own process, the gateway in front) runs it: built apps, real broker, real storage.
 */
export interface Deployment {
  readonly mode: Mode;
  readonly url: string;
  /** Appended to the consumer group ids of this deployment. */
  readonly groupSuffix: string;
  /** The process serving a service: the monolith itself, or the service's own process. */
  process(service: ServiceName): AppProcess;
  /** Split mode: stops one service's process (SIGTERM unless told otherwise). */
  stopService(service: ServiceName, signal?: NodeJS.Signals): Promise<number | null>;
  /** Split mode: starts a stopped service again, on the same port, and waits until it is ready. */
  restartService(service: ServiceName): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export interface DeploymentOptions {
  /** Appended to every consumer group id, which is positioned at the end of its topics first. */
  readonly groupSuffix: string;
  readonly env?: Record<string, string>;
}

/** Waits for /health/ready; fails at once, with the output, if the process exits meanwhile. */
async function ready(app: AppProcess, timeoutMs = 120_000): Promise<void> {
  const exited = app.exited().then((code) => {
    throw new Error(`exited with ${code} before it was ready`);
  });
  try {
    await Promise.race([waitForHttp(`${app.url}/health/ready`, 200, timeoutMs), exited]);
  } catch (err: unknown) {
    throw new Error(`${String(err)}\n${app.output()}`, { cause: err });
  } finally {
    exited.catch(() => undefined);
  }
}

export async function startDeployment(mode: Mode, options: DeploymentOptions): Promise<Deployment> {
  await positionGroupsAtEnd(await loadServices(SERVICES), options.groupSuffix);
  const env = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    KAFKA_GROUP_SUFFIX: options.groupSuffix,
    ...options.env,
  };
  const system = mode === 'monolith' ? await startMonolith(env) : await startSplit(env);
  return { ...system, groupSuffix: options.groupSuffix };
}

async function startMonolith(env: Record<string, string>): Promise<Omit<Deployment, 'groupSuffix'>> {
  const app = startBuiltApp('monolith', await freePort(), env);
  await ready(app);
  return {
    mode: 'monolith',
    url: app.url,
    process: () => app,
    stopService: () => Promise.reject(new Error('the monolith has no separate services')),
    restartService: () => Promise.reject(new Error('the monolith has no separate services')),
    output: () => app.output(),
    stop: async () => {
      await app.stop('SIGTERM');
    },
  };
}

async function startSplit(env: Record<string, string>): Promise<Omit<Deployment, 'groupSuffix'>> {
  // Ports below the ephemeral range, so that no client socket takes one while a service is
  // stopped and restarted on it.
  const base = await freePortRun(SERVICES.length + 1);
  const ports = new Map<ServiceName, number>(SERVICES.map((service, i) => [service, base + 1 + i]));
  const processes = new Map<ServiceName, AppProcess>();
  const start = (service: ServiceName): AppProcess => {
    const app = startBuiltApp(service, ports.get(service) ?? 0, env);
    processes.set(service, app);
    return app;
  };
  SERVICES.forEach(start);
  const gateway = startBuiltApp('gateway', base + SERVICES.length + 1, {
    ...Object.fromEntries(SERVICES.map((s) => [gatewayUrlVariable(s), `http://127.0.0.1:${ports.get(s)}`])),
    GATEWAY_UPSTREAM_TIMEOUT_MS: '10000',
  });
  const get = (service: ServiceName): AppProcess => {
    const app = processes.get(service);
    if (!app) throw new Error(`no process for ${service}`);
    return app;
  };
  const all = (): AppProcess[] => [gateway, ...processes.values()];
  try {
    await Promise.all(all().map((app) => ready(app)));
  } catch (err: unknown) {
    await Promise.all(all().map((app) => app.stop('SIGKILL')));
    throw err;
  }
  return {
    mode: 'split',
    url: gateway.url,
    process: get,
    stopService: async (service, signal = 'SIGTERM') => {
      const app = get(service);
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        app.child.kill('SIGKILL');
      }, 20_000);
      try {
        const code = await app.stop(signal);
        if (killed) throw new Error(`${service} did not stop within 20 s of ${signal}:\n${app.output()}`);
        return code;
      } finally {
        clearTimeout(timer);
      }
    },
    restartService: async (service) => {
      await get(service).stop('SIGKILL');
      await ready(start(service), 60_000);
    },
    output: () =>
      [`--- gateway\n${gateway.output()}`, ...SERVICES.map((s) => `--- ${s}\n${get(s).output()}`)].join('\n'),
    stop: async () => {
      await gateway.stop('SIGTERM');
      await Promise.all([...processes.values()].map((app) => app.stop('SIGTERM')));
    },
  };
}
