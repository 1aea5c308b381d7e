// The labs that need brokers of their own (replication: a three-node cluster; retention: a broker
// that checks retention every few seconds) and the offline docker-kubernetes lab, in their short
// mode, their claims asserted on the evidence they return.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dockerKubernetes } from '../tools/labs/docker-kubernetes.js';
import type { LabOptions } from '../tools/labs/kit.js';
import { startSingle, type LocalKafka } from '../tools/labs/local-kafka.js';
import { replication } from '../tools/labs/replication.js';
import { MAX_CHECK_INTERVAL_MS, retention, retentionCheckIntervals } from '../tools/labs/retention.js';
import { filesUnder, loadYaml, obj, ROOT, str } from '../tools/deploy/files.js';
import { brokers, plainKafka } from './support/kafka.js';
import { canConnect } from './support/net.js';

const printed: string[] = [];
const options: LabOptions = { log: (line) => printed.push(line), short: true };

describe('labs on brokers of their own, and offline (npm run lab, short mode)', () => {
  beforeEach(() => (printed.length = 0));

  it('replication: the killed leader is replaced by an in-sync replica and no acknowledged record is missing', async () => {
    const e = await replication.run(options);
    const at = (states: typeof e.before, p: number) => states.find((s) => s.partition === p);
    expect(at(e.before, e.killed.partition)?.leader).toBe(e.killed.node);
    for (const s of e.before) expect(s.isr).toEqual([1, 2, 3]);
    // Another broker leads the killed leader's partition; the killed one left every ISR.
    const led = at(e.afterKill, e.killed.partition)?.leader ?? -1;
    expect(led).toBeGreaterThan(0);
    expect(led).not.toBe(e.killed.node);
    for (const s of e.afterKill) {
      expect(s.isr).not.toContain(e.killed.node);
      expect(s.isr).toHaveLength(2);
    }
    for (const s of e.afterRestart) expect(s.isr).toEqual([1, 2, 3]);
    // Writes went on while the node was down, and every acknowledged one is where the broker said.
    expect(e.acknowledgedWhileDown).toBeGreaterThan(0);
    expect(e.acknowledged.length).toBeGreaterThan(e.acknowledgedWhileDown);
    expect(e.missing).toEqual([]);
    expect(e.readBack).toBeGreaterThanOrEqual(e.acknowledged.length);
    expect(e.electionMs).toBeGreaterThan(0);
    expect(e.fullIsrMs).toBeGreaterThan(0);
    // Its cluster is gone: nothing listens on its ports, its state dir is deleted.
    expect(e.stateDirRemoved).toBe(true);
    expect(existsSync(e.stateDir)).toBe(false);
    for (const b of e.brokers) {
      const [host = '', port = ''] = b.split(':');
      expect({ b, listening: await canConnect(host, Number(port)) }).toEqual({ b, listening: false });
    }
    expect(printed.some((l) => l.startsWith('cleanup: stopped the lab'))).toBe(true);
  }, 240_000);

  describe('retention', () => {
    // The shared broker may run from an older template (retention checked every 5 minutes): then
    // the lab runs on a broker of the test's own, started from tools/kafka/server.properties, and
    // the refusal is seen on the shared one; otherwise the test's broker is the slow one.
    let own: LocalKafka | undefined;
    let stop: (() => Promise<void>) | undefined;
    let fast = '';
    let slow = '';
    const saved = process.env.KAFKA_BROKERS;

    beforeAll(async () => {
      const admin = plainKafka('nurt-test-labs-retention').admin();
      await admin.connect();
      const intervals = await retentionCheckIntervals(admin).finally(() => admin.disconnect());
      const sharedIsSlow = intervals.some((i) => (i.ms ?? 0) > MAX_CHECK_INTERVAL_MS);
      own = await startSingle(
        'test-retention',
        sharedIsSlow ? [] : ['--override', 'log.retention.check.interval.ms=300000'],
        (s) => (stop = s),
      );
      [fast, slow] = sharedIsSlow
        ? [own.brokers.join(','), brokers.join(',')]
        : [brokers.join(','), own.brokers.join(',')];
    }, 120_000);

    afterAll(async () => {
      if (saved === undefined) delete process.env.KAFKA_BROKERS;
      else process.env.KAFKA_BROKERS = saved;
      await stop?.();
    }, 60_000);

    it('the low offset moves past 0 while records are written, and a new earliest group starts there', async () => {
      process.env.KAFKA_BROKERS = fast;
      const e = await retention.run(options);
      expect(e.checkIntervalMs).toBeLessThanOrEqual(MAX_CHECK_INTERVAL_MS);
      const last = e.samples.at(-1)?.offsets ?? [];
      expect(last).toHaveLength(2);
      for (const o of last) {
        expect(o.low).toBeGreaterThan(0);
        expect(o.high).toBeGreaterThan(o.low);
      }
      // The low offset only grows.
      for (let p = 0; p < 2; p++) {
        const lows = e.samples.map((s) => s.offsets[p]?.low ?? -1);
        expect(lows).toEqual([...lows].sort((a, b) => a - b));
      }
      // The new group starts at the log start offset, never at the deleted 0, and reads on without gaps.
      for (const { partition, offset } of e.replay.firstRead) {
        expect(offset).toBeGreaterThan(0);
        expect(offset).toBeGreaterThanOrEqual(e.replay.lowBefore[partition]?.low ?? Infinity);
        expect(offset).toBeLessThanOrEqual(e.replay.lowAfter[partition]?.low ?? -1);
        const read = e.replay.read.find((r) => r.partition === partition)?.offsets ?? [];
        expect(read).toEqual(Array.from({ length: read.length }, (_, i) => offset + i));
      }
      expect(printed.some((l) => l.startsWith('cleanup: deleted topics'))).toBe(true);
    }, 90_000);

    it('refuses at once, saying to restart the broker, where retention is checked every 5 minutes', async () => {
      process.env.KAFKA_BROKERS = slow;
      const started = Date.now();
      await expect(retention.run(options)).rejects.toThrow(
        /log\.retention\.check\.interval\.ms=300000.*restart the local broker/,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    }, 30_000);
  });

  it('docker-kubernetes: every file valid, every service listed, consumer groups capped at their partitions', async () => {
    const e = await dockerKubernetes.run(options);
    // Every compose file and manifest, read here independently, was validated, and is valid.
    const composeFiles = filesUnder(join(ROOT, 'docker'), (n) => /^compose.*\.yml$/.test(n)).map((f) =>
      f.slice(ROOT.length + 1),
    );
    const manifests = filesUnder(join(ROOT, 'deploy/k8s'), (n) => n.endsWith('.yaml') && n !== 'kustomization.yaml');
    expect(e.validated.map((v) => v.file).sort()).toEqual(
      [...composeFiles, ...manifests.map((f) => f.slice(ROOT.length + 1))].sort(),
    );
    expect(e.validated.filter((v) => v.errors.length > 0)).toEqual([]);
    // Every service of both compose files and every Deployment is in the services table.
    const declared = [
      ...['docker/compose.yml', 'docker/compose.monolith.yml'].flatMap((f) =>
        Object.keys(obj(obj(loadYaml(join(ROOT, f))[0]).services)),
      ),
      ...manifests.flatMap((f) =>
        loadYaml(f)
          .map(obj)
          .filter((d) => d.kind === 'Deployment')
          .map((d) => str(obj(d.metadata).name)),
      ),
    ];
    expect(declared.length).toBeGreaterThan(20);
    const listed = e.services.map((s) => s.name);
    for (const name of declared) {
      expect(listed).toContain(name);
      expect({ name, printed: printed.some((l) => new RegExp(`\\s${name}\\s`).test(l)) }).toEqual({
        name,
        printed: true,
      });
    }
    // Consumer groups: useful up to the partitions of transactions (6); KEDA never goes beyond.
    for (const app of ['fraud', 'reporting', 'recommendation']) {
      const row = e.scaling.find((r) => r.app === app);
      expect(row?.maxUseful).toBe(6);
      expect(row?.keda?.max).toBeLessThanOrEqual(6);
      expect(row?.k8sReplicas).toBeLessThanOrEqual(6);
    }
    expect(e.scaling.find((r) => r.app === 'prediction')?.maxUseful).toBeNull();
    // Whatever keeps state shares one PostgreSQL, never a per-process PGlite.
    for (const r of e.scaling.filter((x) => x.usesDatabase)) {
      expect({ app: r.app, compose: r.composeDatabase, k8s: r.k8sDatabase }).toEqual({
        app: r.app,
        compose: 'PostgreSQL',
        k8s: 'PostgreSQL',
      });
    }
    // Secrets never printed.
    expect(printed.join('\n')).not.toMatch(/postgres:\/\/nurt:nurt@/);
  }, 60_000);
});
