// One codebase, two deployments: the same services as one process (the modular monolith) and as
// one process each behind a gateway. Same answers; different memory, start-up and failure isolation.
import { SERVICES, type ServiceName } from '@nurt/contracts';
import { groupsOf } from '@nurt/runtime';
import { loadServices } from '../../apps/services/index.js';
import { freePort } from '../../test/support/net.js';
import {
  call,
  ensureDeclaredTopics,
  mib,
  openWorkspace,
  readyAfter,
  rssMiB,
  seconds,
  startApp,
  startGroupAtEnd,
  type AppProcess,
  type AppsCleaned,
  type Exchange,
} from './apps.js';
import { explain, openScope, runPrefix, sleep, table, type Lab } from './kit.js';

export interface ProcessReport {
  readonly label: string;
  readonly pid: number;
  /** From spawn to the first 200 on /health/ready. */
  readonly readyMs: number;
  /** VmRSS once ready and after answering the requests. */
  readonly rssMiB: number;
}

export interface Deployment {
  readonly processes: readonly ProcessReport[];
  /** The requests below, in order, through the deployment's one address (the monolith, the gateway). */
  readonly answers: readonly Exchange[];
  /** What was killed with kill -9, and the same requests right after. */
  readonly crash: { readonly killed: string; readonly answers: readonly Exchange[] };
}

export interface MonolithVsMicroservicesEvidence {
  readonly services: readonly ServiceName[];
  /** The requests both deployments were sent (GET paths). */
  readonly paths: readonly string[];
  readonly monolith: Deployment;
  readonly split: Deployment;
  /** Per path: the split deployment answered what the monolith did (each seeded its own database, so the customers' createdAt/updatedAt are left out). */
  readonly same: readonly boolean[];
  readonly cleaned: AppsCleaned;
}

const SESSION_TIMEOUT_MS = 6000; // the broker's minimum: a killed monolith's groups empty quickly

/** A body with the seed's timestamps left out (each deployment seeded its own database at its own start). */
export function withoutTimestamps(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (key, value: unknown) =>
    key === 'createdAt' || key === 'updatedAt' ? undefined : value,
  ) as unknown;
}

const sameAnswer = (a: Exchange | undefined, b: Exchange | undefined): boolean =>
  a !== undefined &&
  b !== undefined &&
  a.status === b.status &&
  JSON.stringify(withoutTimestamps(a.body)) === JSON.stringify(withoutTimestamps(b.body));

export const monolithVsMicroservices: Lab<MonolithVsMicroservicesEvidence> = {
  name: 'monolith-vs-microservices',
  summary:
    'the same requests to the monolith and to the split services; memory, start-up, and what a kill -9 takes down',
  async run({ log, short }) {
    const prefix = runPrefix('mvm');
    // The short mode runs two services, so that it starts in seconds and joins no consumer group.
    const services: readonly ServiceName[] = short ? ['customers', 'prediction'] : SERVICES;
    const paths = [
      '/customers/1',
      '/customers/?segment=premium',
      '/predict/?area=65&bedrooms=3&building_age=10',
      ...(short ? [] : ['/reports/sales?store=Warsaw', '/fraud/alerts?limit=5']),
    ];
    const victim: ServiceName = 'prediction';
    const scope = await openScope(prefix, log);
    try {
      const workspace = await openWorkspace(scope, prefix, ['monolith', ...services, 'gateway'], log);
      const definitions = await loadServices(services);
      const groups = groupsOf(definitions);
      if (groups.length > 0) await ensureDeclaredTopics(scope);
      // One group suffix for the run, as a real move from the monolith to the services keeps the group ids:
      // the split services' groups continue where the monolith's left off. Each group is positioned at
      // the end of its topics first (kafkajs joins a group to set its offsets, a few seconds each: all at once).
      const suffix = `-${prefix}`;
      await Promise.all(
        groups.map((g) =>
          startGroupAtEnd(
            scope,
            `${g.group}${suffix}`,
            g.contracts.map((c) => c.topic),
          ),
        ),
      );
      const groupEnv: Record<string, string> = {
        KAFKA_GROUP_SUFFIX: suffix,
        KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      };
      const ask = async (base: string, via: string): Promise<Exchange[]> => {
        const answers: Exchange[] = [];
        for (const path of paths) answers.push(await call(log, base, 'GET', path, { via, width: 110 }));
        return answers;
      };
      const measure = async (procs: readonly AppProcess[], readies: readonly number[]): Promise<ProcessReport[]> => {
        await sleep(short ? 500 : 1500); // consumer groups joining, timers settling
        return procs.map((p, i) => ({ label: p.label, pid: p.pid, readyMs: readies[i] ?? NaN, rssMiB: rssMiB(p.pid) }));
      };
      const processTable = (reports: readonly ProcessReport[]): void => {
        for (const line of table(
          ['process', 'pid', 'ready after', 'VmRSS'],
          reports.map((r) => [r.label, r.pid, seconds(r.readyMs), mib(r.rssMiB)]),
        ))
          log(`     ${line}`);
      };

      explain(
        log,
        `1. The monolith: ${services.join(', ')} in one process`,
        'node dist/apps/monolith/main.js, as `npm start` runs it: every feature module in one Node process, one',
        "port, one embedded database (PGlite) holding every service's schema. Start-up is timed from spawn to the",
        'first 200 on /health/ready; memory is the resident set (VmRSS) from /proc.',
        `Its own port, PGlite folder and consumer-group suffix; customers' changes stay unpublished`,
        '(CUSTOMERS_OUTBOX_RELAY=off): nothing of this lab reaches a running `npm start`.',
      );
      const monolith = await startApp(workspace, 'monolith', {
        ...groupEnv,
        NURT_SERVICES: services.join(','),
        PGLITE_DIR: workspace.folder('pglite-monolith'),
      });
      const monoReady = await readyAfter(monolith);
      log(`   pid ${monolith.pid} on :${monolith.port}, ready after ${seconds(monoReady)}`);
      const monoAnswers = await ask(monolith.url, 'monolith');
      const monoProcesses = await measure([monolith], [monoReady]);
      processTable(monoProcesses);

      explain(
        log,
        `2. Crash: kill -9 the monolith (pid ${monolith.pid}), then the same requests`,
        'One process holds every service: whatever kills it (an out-of-memory, a bug in one module) takes all of them.',
      );
      await monolith.crash();
      const monoCrash = await ask(monolith.url, 'monolith, killed');

      explain(
        log,
        `3. The same services split: ${services.join(', ')}, one process each, plus the gateway`,
        'node dist/apps/<service>/main.js for each (as `npm run start:split` runs them), started at once, and',
        'apps/gateway in front: it routes each path to the service that owns it (libs/contracts SERVICE_SPECS),',
        'so a client sends the same requests to one address. Each service with a database opens its own PGlite.',
        ...(groups.length > 0
          ? [
              `The consumer groups keep their ids (${groups.map((g) => g.group).join(', ')}, suffix ${suffix}): the services take`,
              `over the killed monolith's partitions once its session times out (${seconds(SESSION_TIMEOUT_MS)} here).`,
            ]
          : []),
      );
      const ports = new Map<ServiceName, number>();
      for (const s of SERVICES) ports.set(s, await freePort());
      const startedServices = await Promise.all(
        services.map((s) =>
          startApp(workspace, s, {
            ...groupEnv,
            ...(definitions.find((d) => d.name === s)?.database ? { PGLITE_DIR: workspace.folder(`pglite-${s}`) } : {}),
          }),
        ),
      );
      // Services not run here (the short mode) point to a free port nobody listens on.
      const upstream = Object.fromEntries(
        SERVICES.map((s) => {
          const proc = startedServices.find((p) => p.app === s);
          return [`GATEWAY_${s.toUpperCase()}_URL`, proc?.url ?? `http://127.0.0.1:${ports.get(s)}`];
        }),
      );
      const gateway = await startApp(workspace, 'gateway', upstream);
      const splitProcs = [...startedServices, gateway];
      const splitReadies = await Promise.all(splitProcs.map((p) => readyAfter(p)));
      log(
        `   all ${splitProcs.length} ready after ${seconds(Math.max(...splitReadies))} (the last one); gateway on :${gateway.port}`,
      );
      const splitAnswers = await ask(gateway.url, 'gateway');
      const splitProcesses = await measure(splitProcs, splitReadies);
      processTable(splitProcesses);
      const same = paths.map((_, i) => sameAnswer(monoAnswers[i], splitAnswers[i]));
      log('');
      for (const line of table(
        ['request', 'monolith', 'split', 'same answer?'],
        paths.map((path, i) => [
          path,
          monoAnswers[i]?.status ?? '-',
          splitAnswers[i]?.status ?? '-',
          same[i] ? 'yes' : 'NO',
        ]),
      ))
        log(`   ${line}`);
      log("   (customers' createdAt/updatedAt left out: each deployment seeded its own database when it started)");

      const killed = startedServices.find((p) => p.app === victim);
      if (!killed) throw new Error(`${victim} is not running`);
      explain(
        log,
        `4. Crash: kill -9 the ${victim} service (pid ${killed.pid}), then the same requests`,
        'Its process is gone; the gateway answers 503 for its paths, and every other service keeps serving.',
        '(`npm run start:split` would restart it with backoff; Kubernetes restarts a crashed container the same way.)',
      );
      await killed.crash();
      const splitCrash = await ask(gateway.url, `gateway, ${victim} killed`);

      const total = (reports: readonly ProcessReport[], which: (r: ProcessReport) => boolean = () => true): number =>
        reports.filter(which).reduce((n, r) => n + r.rssMiB, 0);
      const monoRss = total(monoProcesses);
      const splitRss = total(splitProcesses);
      const splitRssNoGateway = total(splitProcesses, (r) => r.label !== 'gateway');
      const failed = (answers: readonly Exchange[]): string[] =>
        paths.filter((_, i) => (answers[i]?.status ?? 0) === 0 || (answers[i]?.status ?? 0) >= 500);
      const downIn = (answers: readonly Exchange[], killedName: string): string => {
        const down = failed(answers);
        if (down.length === paths.length) return `everything (${down.length} of ${paths.length} requests fail)`;
        return `${killedName} only: ${down.map((p) => p.split('?')[0]).join(', ')} (${down.length} of ${paths.length} fail)`;
      };
      explain(log, 'What this shows');
      for (const line of table(
        ['', 'monolith', 'split'],
        [
          ['processes', 1, `${splitProcs.length} (${services.length} services + gateway)`],
          ['start-up', seconds(monoReady), `${seconds(Math.max(...splitReadies))} until the last`],
          ['VmRSS', mib(monoRss), `${mib(splitRss)} (${mib(splitRssNoGateway)} without the gateway)`],
          ['same answers', '-', same.every(Boolean) ? 'yes' : 'NO'],
          ['kill -9 of one process takes down', downIn(monoCrash, 'monolith'), downIn(splitCrash, victim)],
        ],
      ))
        log(`   ${line}`);
      log('');
      log(
        `   The split pays ${(splitRss / monoRss).toFixed(1)}x the memory: every process carries its own Node, Nest, Kafka client`,
      );
      log('   and (customers, fraud, reporting, recommendation) its own database engine; it buys failure isolation,');
      log('   and each service deployed and scaled on its own (docs/monolith-to-microservices.md, bench:footprint).');

      const cleaned: AppsCleaned = {
        pids: [...workspace.pids],
        folders: [...workspace.folders],
        groups: [...scope.groups],
        databases: [],
      };
      return {
        services,
        paths,
        monolith: { processes: monoProcesses, answers: monoAnswers, crash: { killed: 'monolith', answers: monoCrash } },
        split: { processes: splitProcesses, answers: splitAnswers, crash: { killed: victim, answers: splitCrash } },
        same,
        cleaned,
      };
    } finally {
      await scope.close();
    }
  },
};
