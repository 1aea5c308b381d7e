// A consumer group shares a topic's partitions among its members; when one crashes or leaves,
// the group rebalances and its partitions move to the members left.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { repoRoot } from '../cli.js';
import { explain, labBrokers, openScope, runPrefix, sleep, table, waitFor, type Cleaned, type Lab } from './kit.js';

export interface ConsumerGroupsRebalancingEvidence {
  readonly partitions: number;
  readonly sessionTimeoutMs: number;
  /** Each member's partitions as the broker (group coordinator) reports them. */
  readonly before: Readonly<Record<string, readonly number[]>>;
  readonly crash: {
    readonly killed: string;
    /** The partitions the killed member owned. */
    readonly orphaned: readonly number[];
    /** From kill -9 to the group stable again without it. */
    readonly rebalancedMs: number;
    readonly after: Readonly<Record<string, readonly number[]>>;
    /** A record written to each partition right after the kill: who read it and how long it waited. */
    readonly records: readonly { readonly partition: number; readonly readBy: string; readonly waitedMs: number }[];
  };
  readonly leave: {
    readonly left: string;
    /** From SIGTERM (the member leaves the group as it stops) to the group stable again. */
    readonly rebalancedMs: number;
    readonly after: Readonly<Record<string, readonly number[]>>;
  };
  readonly cleaned: Cleaned;
}

interface MemberEvent {
  readonly member: string;
  readonly at: number;
  readonly event: 'started' | 'assigned' | 'rebalancing' | 'read';
  readonly partitions?: number[];
  readonly partition?: number;
  readonly value?: string;
}

interface Member {
  readonly name: string;
  readonly child: ChildProcess;
  readonly events: MemberEvent[];
  stderr: string;
  exited: boolean;
}

interface GroupView {
  readonly state: string;
  readonly members: Record<string, number[]>;
}

const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 6000; // the least the broker allows (group.min.session.timeout.ms)

/** The group as its coordinator sees it: state, and each member's partitions (by member name). */
async function groupView(admin: Admin, groupId: string, topic: string): Promise<GroupView> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  const members: Record<string, number[]> = {};
  for (const m of group?.members ?? []) {
    const decoded = m.memberAssignment.length
      ? kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
      : null;
    members[m.clientId.slice(groupId.length + 1)] = [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b);
  }
  return { state: group?.state ?? 'Unknown', members };
}

/** Stable, exactly these members, and every partition owned by one of them. */
function settled(view: GroupView, members: readonly string[]): boolean {
  const names = Object.keys(view.members).sort();
  const owned = Object.values(view.members)
    .flat()
    .sort((a, b) => a - b);
  return (
    view.state === 'Stable' &&
    names.join() === [...members].sort().join() &&
    owned.join() === Array.from({ length: PARTITIONS }, (_, p) => p).join()
  );
}

function assignmentTable(view: GroupView, members: readonly Member[]): string[] {
  return table(
    ['member', 'pid', 'partitions'],
    Object.entries(view.members)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, partitions]) => [
        name,
        members.find((m) => m.name === name)?.child.pid ?? '?',
        partitions.join(', '),
      ]),
  );
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const consumerGroupsRebalancing: Lab<ConsumerGroupsRebalancingEvidence> = {
  name: 'consumer-groups-rebalancing',
  summary: 'three consumer processes share six partitions; kill -9 one, then stop one: watch the partitions move',
  async run({ log }) {
    const prefix = runPrefix('groups');
    const topic = `${prefix}-transactions`;
    const scope = await openScope(prefix, log);
    const groupId = scope.group(`${prefix}-anti-fraud`);
    const members: Member[] = [];
    try {
      await scope.createTopic(topic, PARTITIONS);
      explain(
        log,
        `1. Three consumers, one group (${groupId}), ${PARTITIONS} partitions`,
        'Each consumer is its own Node process (tools/labs/group-member.ts), as service instances are, so that',
        'step 2 can crash one for real. The group coordinator (a broker) gives each partition to exactly one',
        `member. Each member heartbeats every 0.5 s; session timeout ${seconds(SESSION_TIMEOUT_MS)} (the broker's minimum).`,
      );
      const memberPath = join(repoRoot, 'tools/labs/group-member.ts');
      for (const name of ['c1', 'c2', 'c3']) {
        const child = spawn(process.execPath, ['--import', 'tsx', memberPath], {
          cwd: repoRoot,
          stdio: ['pipe', 'pipe', 'pipe'],
          env: {
            ...process.env,
            LAB_BROKERS: labBrokers().join(','),
            LAB_TOPIC: topic,
            LAB_GROUP: groupId,
            LAB_MEMBER: name,
            LAB_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
          },
        });
        const member: Member = { name, child, events: [], stderr: '', exited: false };
        members.push(member);
        scope.defer(`consumer process ${name}`, () => stopProcess(member));
        child.on('exit', () => (member.exited = true));
        child.stderr?.on('data', (chunk: Buffer) => (member.stderr += chunk.toString()));
        createInterface({ input: child.stdout }).on('line', (line) => {
          try {
            member.events.push(JSON.parse(line) as MemberEvent);
          } catch {
            member.stderr += `${line}\n`;
          }
        });
      }
      const failed = (): string => members.map((m) => (m.stderr ? `${m.name}: ${m.stderr.trim()}` : '')).join(' ');
      let view = await groupView(scope.admin, groupId, topic);
      await waitFor(
        `three members sharing all partitions ${failed()}`,
        async () => {
          if (members.some((m) => m.exited)) throw new Error(`a consumer process exited: ${failed()}`);
          view = await groupView(scope.admin, groupId, topic);
          return settled(view, ['c1', 'c2', 'c3']);
        },
        60_000,
      );
      const before = view.members;
      log('   the assignment, as the group coordinator reports it (describeGroups):');
      for (const line of assignmentTable(view, members)) log(`     ${line}`);

      const producer = scope.kafka.producer();
      scope.defer('producer', () => producer.disconnect());
      await producer.connect();
      const readsOf = (tag: string): MemberEvent[] =>
        members.flatMap((m) => m.events.filter((e) => e.event === 'read' && e.value?.startsWith(tag)));
      const writeOnePerPartition = async (tag: string): Promise<number> => {
        const at = Date.now();
        await producer.send({
          topic,
          messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `${tag}-p${p}` })),
        });
        return at;
      };
      await writeOnePerPartition('warm-up');
      await waitFor('the members to read one record per partition', () => readsOf('warm-up').length >= PARTITIONS);
      log(
        `   one record per partition, read by: ${readsOf('warm-up')
          .sort((a, b) => (a.partition ?? 0) - (b.partition ?? 0))
          .map((e) => `p${e.partition}→${e.member}`)
          .join(' ')}`,
      );

      const killed = 'c2';
      const victim = members.find((m) => m.name === killed)!;
      const survivors = members.map((m) => m.name).filter((name) => name !== killed);
      const orphaned = before[killed] ?? [];
      explain(
        log,
        `2. Crash: kill -9 ${killed} (pid ${victim.child.pid}), owner of partitions ${orphaned.join(', ')}`,
        'A killed process says nothing: the coordinator notices only when its heartbeats have been missing for',
        'the session timeout. Until then its partitions are assigned to a dead consumer and nobody reads them.',
        'Then the group rebalances: the survivors rejoin and share all partitions. A record is written to every',
        'partition right after the kill, to see how long each waits.',
      );
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      const writtenAt = await writeOnePerPartition('after-crash');
      const seenStates: string[] = [];
      await waitFor(
        'the survivors to own every partition',
        async () => {
          view = await groupView(scope.admin, groupId, topic);
          const note = `${view.state} (${Object.keys(view.members).sort().join(', ')})`;
          if (seenStates.at(-1)?.endsWith(note) !== true) seenStates.push(`+${seconds(Date.now() - killedAt)} ${note}`);
          return settled(view, survivors);
        },
        SESSION_TIMEOUT_MS + 30_000,
      );
      const crashRebalancedMs = Date.now() - killedAt;
      await waitFor('every after-crash record to be read', () => readsOf('after-crash').length >= PARTITIONS);
      const records = readsOf('after-crash')
        .map((e) => ({ partition: e.partition ?? -1, readBy: e.member, waitedMs: e.at - writtenAt }))
        .sort((a, b) => a.partition - b.partition);
      log('   the group as the coordinator reported it, polled every 0.1 s after the kill:');
      for (const s of seenStates) log(`     ${s}`);
      log(`   rebalanced in ${seconds(crashRebalancedMs)}; the assignment now:`);
      for (const line of assignmentTable(view, members)) log(`     ${line}`);
      const crashAfter = view.members;
      log('   the record written to each partition right after the kill:');
      for (const line of table(
        ['partition', 'owner before', 'read by', 'waited'],
        records.map((r) => [
          r.partition,
          Object.entries(before).find(([, ps]) => ps.includes(r.partition))?.[0] ?? '?',
          r.readBy,
          `${r.waitedMs} ms`,
        ]),
      ))
        log(`     ${line}`);

      const left = 'c3';
      const leaver = members.find((m) => m.name === left)!;
      explain(
        log,
        `3. Graceful stop: SIGTERM ${left} (pid ${leaver.child.pid})`,
        'A consumer that stops properly (consumer.disconnect(), as a service does on shutdown) tells the',
        'coordinator it leaves the group: the rebalance starts at once, without waiting for a session timeout.',
      );
      leaver.child.kill('SIGTERM');
      const leftAt = Date.now();
      await waitFor(
        'the last member to own every partition',
        async () => {
          view = await groupView(scope.admin, groupId, topic);
          return settled(view, ['c1']);
        },
        SESSION_TIMEOUT_MS + 30_000,
      );
      const leaveRebalancedMs = Date.now() - leftAt;
      log(`   rebalanced in ${seconds(leaveRebalancedMs)}; the assignment now:`);
      for (const line of assignmentTable(view, members)) log(`     ${line}`);

      explain(
        log,
        'What this shows',
        `Crash: ${seconds(crashRebalancedMs)} until the partitions of ${killed} had a reader again, about the session`,
        `timeout (${seconds(SESSION_TIMEOUT_MS)}; nurt's KAFKA_SESSION_TIMEOUT_MS, default 30 s): the price of not`,
        `mistaking a slow consumer for a dead one. Graceful stop: ${seconds(leaveRebalancedMs)}. Either way no record`,
        'is lost: the new owner continues from the offset the group committed for that partition (what the',
        'crashed one had read but not yet committed is read again).',
      );
      return {
        partitions: PARTITIONS,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        before,
        crash: { killed, orphaned, rebalancedMs: crashRebalancedMs, after: crashAfter, records },
        leave: { left, rebalancedMs: leaveRebalancedMs, after: view.members },
        cleaned: scope.cleaned(),
      };
    } finally {
      await scope.close();
    }
  },
};

/** Stops a member process of this lab: SIGTERM (it leaves the group), SIGKILL after 5 s. */
async function stopProcess(member: Member): Promise<void> {
  if (member.exited || member.child.exitCode !== null || member.child.signalCode !== null) return;
  member.child.kill('SIGTERM');
  const deadline = Date.now() + 5000;
  while (!member.exited && Date.now() < deadline) await sleep(100);
  if (!member.exited) member.child.kill('SIGKILL');
}
