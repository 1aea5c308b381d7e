// `npm run lab:check -- producer|consumer <file>`: runs a learner's producer or consumer (kafka-python
// or kafkajs) against the broker, on a private topic of this run, and says what is right and what is
// wrong: topic, the JSON the transactions contract accepts, the key and what it does to order, the
// offsets printed, where a new consumer starts and what it commits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics, topicSpec, TransactionsTopic, type FieldError } from '@nurt/contracts';
import type { Cleaned, LabScope } from '../kit.js';
import { explain, labBrokers, openScope, runPrefix, sleep, waitFor } from '../kit.js';
import {
  crashSummary,
  programOf,
  startProgram,
  type HookEvent,
  type Language,
  type RunningProgram,
} from './program.js';

export type CheckKind = 'producer' | 'consumer';
export const CHECK_KINDS: readonly CheckKind[] = ['producer', 'consumer'];

/** ok: right; wrong: fails the check; note: worth knowing, not a mistake. */
export type Verdict = 'ok' | 'wrong' | 'note';

export interface Finding {
  readonly verdict: Verdict;
  /** What it is about: topic, flush, json, fields, key, records, offsets, earliest, commits, … */
  readonly about: string;
  readonly text: string;
}

export interface CheckResult {
  readonly kind: CheckKind;
  readonly file: string;
  readonly passed: boolean;
  readonly findings: readonly Finding[];
  /** What the program printed. */
  readonly stdout: string;
  readonly cleaned: Cleaned;
}

export interface CheckOptions {
  readonly log: (line: string) => void;
}

const ASKED_TOPIC = Topics.Transactions;
const MARK = { ok: '✓', wrong: '✗', note: '·' } as const;

/** A record the checker read back from the private topics. */
interface Landed {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly timestamp: Date;
  readonly headers: Record<string, string>;
}

/** One run: its private topics (the one standing for `transactions`, and one for any other name). */
interface Run {
  readonly scope: LabScope;
  readonly id: string;
  readonly topic: string;
  readonly other: string;
  /** The program's absolute path. */
  readonly path: string;
  readonly language: Language;
  start(): RunningProgram;
}

async function withRun(
  kind: CheckKind,
  file: string,
  options: CheckOptions,
  body: (run: Run) => Promise<{ findings: Finding[]; stdout: string }>,
): Promise<CheckResult> {
  const learner = programOf(file);
  const { log } = options;
  const id = runPrefix('check');
  const scope = await openScope('nurt-lab-check', log);
  const dir = mkdtempSync(join(tmpdir(), 'nurt-lab-check-'));
  try {
    const spec = topicSpec(Topics.Transactions);
    const topic = id;
    const other = `${id}-elsewhere`;
    const config = Object.entries(spec.config).map(([name, value]) => ({ name, value }));
    await createTopic(scope, topic, spec.partitions, config);
    await createTopic(scope, other, 1);
    explain(
      log,
      `${kind} check of ${file}`,
      `Runs it against ${labBrokers().join(',')} with a hook that records what it asks kafka for, on a private`,
      `topic of this run: \`${ASKED_TOPIC}\` becomes ${topic} (${spec.partitions} partitions, as ${ASKED_TOPIC}),`,
      `any other topic name ${other}, and its group id gets the prefix ${id}-.`,
    );
    const run: Run = {
      scope,
      id,
      topic,
      other,
      path: learner.path,
      language: learner.language,
      start: () => {
        const program = startProgram(learner, {
          log: join(dir, 'events.jsonl'),
          topic,
          other,
          group: id,
          brokers: labBrokers(),
          run: id,
        });
        // Also on Ctrl-C of the checker: the program runs in a process group of its own.
        scope.defer('the program', () => program.stop());
        return program;
      },
    };
    const { findings, stdout } = await body(run);
    log('');
    log('== what the program printed');
    for (const line of stdout.trimEnd().split('\n').filter(Boolean).slice(0, 40)) log(`   | ${line}`);
    log('');
    log('== the check');
    for (const f of findings) log(` ${MARK[f.verdict]} ${f.about}: ${f.text}`);
    const wrong = findings.filter((f) => f.verdict === 'wrong').length;
    log('');
    log(wrong === 0 ? `PASSED: the ${kind} does what the lab asks` : `FAILED: ${wrong} thing(s) to fix (✗ above)`);
    return { kind, file, passed: wrong === 0, findings, stdout, cleaned: scope.cleaned() };
  } finally {
    await scope.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Creates a topic of the run and waits until every partition has a leader. Under load, KRaft may
 * answer metadata for a topic created a moment ago with UNKNOWN_TOPIC_OR_PARTITION for a while, and
 * kafkajs' waitForLeaders retries only LEADER_NOT_AVAILABLE.
 */
async function createTopic(
  scope: LabScope,
  topic: string,
  partitions: number,
  config: { name: string; value: string }[] = [],
): Promise<void> {
  try {
    await scope.createTopic(topic, partitions, config);
  } catch (err: unknown) {
    if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
  }
  await waitFor(
    `every partition of ${topic} to have a leader`,
    async () => {
      try {
        const { topics } = await scope.admin.fetchTopicMetadata({ topics: [topic] });
        const found = topics[0]?.partitions ?? [];
        return found.length === partitions && found.every((p) => p.leader >= 0);
      } catch {
        return false;
      }
    },
    20_000,
  );
}

// ---------------------------------------------------------------------------------------------
// producer

const PRODUCER_TIMEOUT_MS = 15_000;

export function checkProducer(file: string, options: CheckOptions): Promise<CheckResult> {
  return withRun('producer', file, options, async (run) => {
    const program = run.start();
    const ended = await Promise.race([program.exited, sleep(PRODUCER_TIMEOUT_MS).then(() => undefined)]);
    const code = ended ?? (await program.stop());
    const events = program.events();
    const landed = await readBack(run);
    const findings = producerFindings(run, events, landed, { code, timedOut: ended === undefined, program });
    return { findings, stdout: program.stdout() };
  });
}

function producerFindings(
  run: Run,
  events: readonly HookEvent[],
  landed: readonly Landed[],
  end: { code: number; timedOut: boolean; program: RunningProgram },
): Finding[] {
  const py = run.language === 'python';
  const findings: Finding[] = [];
  const sends = events.filter((e) => e.event === 'send');
  const errors = events.filter((e) => e.event === 'send-error').map((e) => String(e.message));

  if (end.timedOut) {
    findings.push(
      wrong(
        'ending',
        `still running after ${PRODUCER_TIMEOUT_MS / 1000} s and stopped: a producer program should end by itself` +
          (py ? ' (producer.flush(), then the script ends)' : ' (await producer.disconnect() at the end)'),
      ),
    );
  } else if (end.code !== 0) {
    findings.push(wrong('ending', `it failed (exit ${end.code}): ${crashSummary(end.program.stderr(), run.path)}`));
  }
  // A value the client cannot send at all: not bytes (kafka-python without a value_serializer) or
  // not a string or Buffer (kafkajs).
  const sendable = py ? ['bytes', 'bytearray', 'memoryview', 'NoneType'] : ['string', 'Buffer', 'null', 'undefined'];
  const serialized = py && events.some((e) => e.event === 'producer' && e.value_serializer === true);
  const unsendable = serialized ? undefined : sends.find((s) => !sendable.includes(String(s.valueType)));
  if (unsendable) {
    findings.push(
      wrong(
        'json',
        py
          ? `value not JSON: the value is ${withArticle(String(unsendable.valueType))} and the producer has no value_serializer, ` +
              "so kafka-python cannot send it (it sends bytes): value_serializer=lambda v: json.dumps(v).encode('utf-8')"
          : `value not JSON: the value is ${withArticle(String(unsendable.valueType))}, and kafkajs sends a string or a Buffer: ` +
              'value: JSON.stringify(transaction)',
      ),
    );
  } else {
    for (const message of [...new Set(errors)])
      findings.push(wrong('send', `the broker or the client refused a send: ${message}`));
  }

  if (sends.length === 0) {
    findings.push(
      wrong(
        'send',
        py
          ? 'it never called producer.send(): nothing was produced (producer.send("transactions", value=transaction))'
          : 'it never called producer.send(): nothing was produced (await producer.send({ topic: "transactions", messages: [...] }))',
      ),
    );
    return findings;
  }

  // Topic.
  const asked = [...new Set(sends.map((s) => String(s.topic)))];
  const off = asked.filter((t) => t !== ASKED_TOPIC);
  if (off.length === 0) findings.push(ok('topic', `every record went to "${ASKED_TOPIC}" (${sends.length} sent)`));
  else
    findings.push(
      wrong(
        'topic',
        `it sent to ${off.map((t) => `"${t}"`).join(', ')}, not "${ASKED_TOPIC}": nurt's consumers (and the lecture's) ` +
          `read only "${ASKED_TOPIC}", so they never see ${off.length === asked.length ? 'any of these records' : 'those records'}`,
      ),
    );

  // Flush: the hook saw it, whether or not the record happened to get out. After a failed send or
  // a crash, the failure is what to fix first.
  const failed = errors.length > 0 || end.code !== 0;
  if (!failed) findings.push(flushFinding(py, events, sends.length, landed.length));

  // Records on the broker, their JSON and shape.
  if (landed.length === 0) {
    if (!failed) findings.push(wrong('records', 'no record reached the broker'));
    return findings;
  }
  findings.push(ok('records', `${landed.length} record(s) reached the broker`));
  const shapes = landed.map((r) => shapeProblems(r, py));
  const notJson = shapes.flatMap((s) => (s.kind === 'json' ? [s] : []));
  const badFields = shapes.flatMap((s) => (s.kind === 'fields' ? [s] : []));
  for (const s of notJson.slice(0, 3)) findings.push(wrong('json', s.text));
  for (const s of badFields.slice(0, 3)) findings.push(wrong('fields', s.text));
  if (notJson.length === 0 && badFields.length === 0)
    findings.push(
      ok(
        'json',
        `every value is JSON the ${ASKED_TOPIC} contract accepts (TransactionsTopic.parse: id, amount, ` +
          'store, type; currency defaults to PLN and occurredAt to the record timestamp)',
      ),
    );

  findings.push(keyFinding(landed, py));
  return findings;
}

function flushFinding(py: boolean, events: readonly HookEvent[], sent: number, landed: number): Finding {
  const lastSend = lastIndex(events, (e) => e.event === 'send');
  if (py) {
    const flushed = lastIndex(events, (e) => e.event === 'flush' || e.event === 'close') > lastSend;
    return flushed
      ? ok('flush', 'flush() after the last send(): the program ends only once the broker has every record')
      : wrong(
          'flush',
          `no flush: send() only queues the record and returns; a background thread sends it later. The program ended ` +
            `without producer.flush() (or close()), and kafka-python's own close at exit does not wait, so records can be lost ` +
            `(this time ${landed} of ${sent} reached the broker). Call producer.flush() after the last send`,
        );
  }
  const acked = events.filter((e) => e.event === 'acked').reduce((n, e) => n + Number(e.messages ?? 0), 0);
  if (acked < sent)
    return wrong(
      'flush',
      `not awaited: ${sent - acked} of ${sent} record(s) were not acknowledged when the program ended ` +
        `(this time ${landed} reached the broker): \`await producer.send(...)\` before \`await producer.disconnect()\``,
    );
  return events.some((e) => e.event === 'disconnect')
    ? ok('flush', 'every send() was awaited (acknowledged) and the producer disconnected')
    : wrong('flush', 'it never called producer.disconnect(): the connection stays open and the program does not end');
}

type Shape = { kind: 'ok' } | { kind: 'json' | 'fields'; text: string };

const FIELDS: Readonly<Record<string, { type: 'string' | 'number'; required: boolean; example: string }>> = {
  id: { type: 'string', required: true, example: '"TX5001"' },
  amount: { type: 'number', required: true, example: '1250.00' },
  store: { type: 'string', required: true, example: '"Warsaw"' },
  type: { type: 'string', required: true, example: '"purchase"' },
  currency: { type: 'string', required: false, example: '"PLN"' },
  customerId: { type: 'string', required: false, example: '"C1"' },
  occurredAt: { type: 'string', required: false, example: '"2026-11-24T12:00:00Z"' },
};

const withArticle = (noun: string): string => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);

function shapeProblems(record: Landed, py: boolean): Shape {
  const where = `the record at partition ${record.partition}, offset ${record.offset}`;
  const text = record.value ?? '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    const hint = /^\{'/.test(text)
      ? "it is Python's str() of a dict (single quotes), not JSON: use json.dumps(v).encode('utf-8')"
      : text.startsWith('[object ')
        ? 'it is a JavaScript object turned into text by String(): use JSON.stringify(transaction)'
        : py
          ? "serialize with value_serializer=lambda v: json.dumps(v).encode('utf-8')"
          : 'send value: JSON.stringify(transaction)';
    return { kind: 'json', text: `value not JSON: ${where} is ${JSON.stringify(shown)}; ${hint}` };
  }
  const problems: string[] = [];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const [field, rule] of Object.entries(FIELDS)) {
      const v = object[field];
      if (v === undefined) {
        if (rule.required) problems.push(`${field} is missing (e.g. ${rule.example})`);
      } else if (typeof v !== rule.type && !(field === 'customerId' && v === null)) {
        problems.push(
          `${field} is ${jsonType(v)} (${JSON.stringify(v)}) where the contract wants a ${rule.type}, e.g. ${rule.example}`,
        );
      }
    }
  }
  const typed = new Set(problems.map((p) => p.split(' ')[0]));
  const parsed = TransactionsTopic.parse(value, {
    key: record.key,
    headers: record.headers,
    timestamp: record.timestamp,
  });
  if (!parsed.ok) {
    const rest = parsed.errors.filter((e: FieldError) => !typed.has(e.field));
    problems.push(...rest.map((e) => (e.field === '$' ? `the value ${e.message}` : `${e.field}: ${e.message}`)));
  }
  if (problems.length === 0) return { kind: 'ok' };
  return { kind: 'fields', text: `wrong field types or values in ${where}: ${problems.join('; ')}` };
}

function keyFinding(landed: readonly Landed[], py: boolean): Finding {
  const keyed = landed.filter((r) => r.key !== null);
  const stores = landed.map((r) => storeOf(r.value));
  const partitionsOf = (store: string): number[] => [
    ...new Set(landed.filter((_, i) => stores[i] === store).map((r) => r.partition)),
  ];
  const example = stores.find((s): s is string => s !== undefined);
  const howToKey = py ? 'key=transaction["store"].encode("utf-8")' : 'key: transaction.store';
  if (keyed.length === 0) {
    return note(
      'key',
      `none: records without a key go to ${py ? 'a random partition each (kafka-python)' : 'the partitions in turn (kafkajs, round-robin)'}, ` +
        'whatever their store, so two transactions of one store can land on different partitions and be ' +
        `read out of order. nurt keys by store (${howToKey}): one store, one partition, in order`,
    );
  }
  if (keyed.every((r) => r.key === storeOf(r.value))) {
    const where = example ? ` (${example} → partition ${partitionsOf(example).join(', ')})` : '';
    return ok(
      'key',
      `the store${where}: every record of a store lands on one partition, so consumers read each ` +
        "store's transactions in the order they were sent, as nurt does",
    );
  }
  const keys = [...new Set(keyed.map((r) => r.key))].slice(0, 3);
  return note(
    'key',
    `${keys.map((k) => JSON.stringify(k)).join(', ')}, not the store: order is kept per key, not per ` +
      `store${keys.length === 1 && landed.length > 1 ? ', and one key for everything puts every record on one partition' : ''}; ` +
      `nurt keys by store (${howToKey})`,
  );
}

function storeOf(value: string | null): string | undefined {
  try {
    const v = JSON.parse(value ?? '') as { store?: unknown };
    return typeof v.store === 'string' ? v.store : undefined;
  } catch {
    return undefined;
  }
}

/** Everything on the run's two topics, read by a consumer group of the checker. */
async function readBack(run: Run): Promise<Landed[]> {
  const { admin } = run.scope;
  let total = 0;
  for (const topic of [run.topic, run.other]) {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
  }
  if (total === 0) return [];
  const landed: Landed[] = [];
  const consumer = run.scope.consumer({ groupId: `${run.id}-checker` });
  await consumer.connect();
  await consumer.subscribe({ topics: [run.topic, run.other], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, v] of Object.entries(message.headers ?? {})) {
        const first = Array.isArray(v) ? v[0] : v;
        if (first !== undefined) headers[name] = first.toString();
      }
      landed.push({
        topic,
        partition,
        offset: Number(message.offset),
        key: message.key ? message.key.toString() : null,
        value: message.value ? message.value.toString() : null,
        timestamp: new Date(Number(message.timestamp)),
        headers,
      });
      return Promise.resolve();
    },
  });
  await waitFor('the produced records to be read back', () => landed.length >= total, 20_000);
  await consumer.stop();
  return landed.filter((r) => r.headers['lab-check-run'] === run.id).sort((a, b) => a.offset - b.offset);
}

// ---------------------------------------------------------------------------------------------
// consumer

const TEST_RECORDS = [
  { id: 'TX9001', amount: 120.5, store: 'Warsaw', type: 'purchase' },
  { id: 'TX9002', amount: 89.99, store: 'Krakow', type: 'purchase' },
  { id: 'TX9003', amount: 15.0, store: 'Gdansk', type: 'refund' },
  { id: 'TX9004', amount: 250.0, store: 'Poznan', type: 'purchase' },
  { id: 'TX9005', amount: 42.1, store: 'Warsaw', type: 'withdrawal' },
  { id: 'TX9006', amount: 999.99, store: 'Wroclaw', type: 'purchase' },
] as const;

interface Written {
  readonly id: string;
  readonly partition: number;
  readonly offset: number;
}

const START_TIMEOUT_MS = 20_000;
const PRINT_TIMEOUT_MS = 10_000;

export function checkConsumer(file: string, options: CheckOptions): Promise<CheckResult> {
  return withRun('consumer', file, options, async (run) => {
    const producer = run.scope.kafka.producer();
    run.scope.defer('checker producer', () => producer.disconnect());
    await producer.connect();
    const write = async (records: readonly (typeof TEST_RECORDS)[number][]): Promise<Written[]> => {
      const written: Written[] = [];
      for (const r of records) {
        const [meta] = await producer.send({
          topic: run.topic,
          messages: [{ key: r.store, value: JSON.stringify(r) }],
        });
        written.push({ id: r.id, partition: meta?.partition ?? -1, offset: Number(meta?.baseOffset ?? -1) });
      }
      return written;
    };
    const before = await write(TEST_RECORDS.slice(0, 3));
    const program = run.start();
    const positioned = (): boolean => program.events().some((e) => e.event === 'positioned');
    await waitFor('', () => positioned() || program.hasExited(), START_TIMEOUT_MS).catch(() => undefined);
    let after: Written[] = [];
    // A program on another topic sees none of this run's records: its topic is the one finding.
    if (positioned() && !program.hasExited() && readsAskedTopic(program.events())) {
      after = await write(TEST_RECORDS.slice(3));
      const printedAll = (ws: readonly Written[]): boolean =>
        ws.every((w) => printedLine(program.stdout(), w.id) !== undefined);
      await waitFor('', () => printedAll(after) || program.hasExited(), PRINT_TIMEOUT_MS).catch(() => undefined);
      // Records written before it started come first if they come at all; a moment more for them.
      if (!printedAll(before)) await sleep(500);
    }
    const stillRunning = !program.hasExited();
    const code = await program.stop();
    const events = program.events();
    const group = events.find((e) => e.event === 'consumer')?.group;
    const committed = typeof group === 'string' ? await committedOffsets(run, `${run.id}-${group}`) : [];
    const findings = consumerFindings(run, events, program, {
      before,
      after,
      stillRunning,
      code,
      committed,
      positioned: positioned(),
    });
    return { findings, stdout: program.stdout() };
  });
}

/** The line the program printed for a record: the first that names its id. */
function printedLine(stdout: string, id: string): string | undefined {
  return stdout.split('\n').find((line) => new RegExp(`\\b${id}\\b`).test(line));
}

async function committedOffsets(run: Run, groupId: string): Promise<{ partition: number; offset: number }[]> {
  run.scope.group(groupId);
  const [topic] = await run.scope.admin.fetchOffsets({ groupId, topics: [run.topic] });
  return (topic?.partitions ?? [])
    .map((p) => ({ partition: p.partition, offset: Number(p.offset) }))
    .filter((p) => p.offset >= 0);
}

function consumerFindings(
  run: Run,
  events: readonly HookEvent[],
  program: RunningProgram,
  seen: {
    before: readonly Written[];
    after: readonly Written[];
    stillRunning: boolean;
    code: number;
    committed: readonly { partition: number; offset: number }[];
    positioned: boolean;
  },
): Finding[] {
  const py = run.language === 'python';
  const findings: Finding[] = [];
  const created = events.find((e) => e.event === 'consumer');
  if (!created) {
    findings.push(
      wrong(
        'consumer',
        py ? 'it never created a KafkaConsumer' : 'it never created a consumer (kafka.consumer({ groupId }))',
      ),
    );
    if (!seen.stillRunning)
      findings.push(wrong('ending', `it ended (exit ${seen.code}): ${crashSummary(program.stderr(), run.path)}`));
    return findings;
  }

  // Topic.
  const subscribed = subscribedTopics(events);
  if (subscribed.includes(ASKED_TOPIC)) findings.push(ok('topic', `it reads "${ASKED_TOPIC}"`));
  else if (subscribed.length === 0)
    findings.push(wrong('topic', `it subscribed to no topic: subscribe to "${ASKED_TOPIC}"`));
  else
    findings.push(
      wrong(
        'topic',
        `it reads ${[...new Set(subscribed)].map((t) => `"${t}"`).join(', ')}, not "${ASKED_TOPIC}": ` +
          "it would see none of the store's transactions",
      ),
    );

  if (!seen.stillRunning) {
    findings.push(
      wrong(
        'ending',
        `it ended by itself (exit ${seen.code}) instead of waiting for records: ` +
          crashSummary(program.stderr(), run.path),
      ),
    );
  } else if (!seen.positioned) {
    findings.push(
      wrong(
        'ending',
        `it never fetched from the topic within ${START_TIMEOUT_MS / 1000} s ` +
          (py ? '(iterate `for message in consumer:`)' : '(await consumer.run({ eachMessage }))'),
      ),
    );
  }

  if (!subscribed.includes(ASKED_TOPIC)) return findings;

  // What it printed.
  const stdout = program.stdout();
  const missing = (ws: readonly Written[]): string[] =>
    ws.filter((w) => printedLine(stdout, w.id) === undefined).map((w) => w.id);
  if (seen.after.length > 0) {
    const lost = missing(seen.after);
    if (lost.length === 0)
      findings.push(ok('new records', `printed the ${seen.after.length} records written while it ran`));
    else
      findings.push(
        wrong(
          'new records',
          `did not print ${lost.join(', ')}, written while it ran (print each record's id, e.g. t['id'])`,
        ),
      );
  }
  const offsetReset = String(py ? created.offsetReset : subscribedFromBeginning(events) ? 'earliest' : 'latest');
  const lostBefore = missing(seen.before);
  const setting = py ? `auto_offset_reset="${offsetReset}"` : `fromBeginning: ${offsetReset === 'earliest'}`;
  if (lostBefore.length === 0)
    findings.push(ok('earliest', `${setting}: printed the ${seen.before.length} records written before it started`));
  else if (seen.positioned)
    findings.push(
      wrong(
        'earliest',
        `missed ${lostBefore.join(', ')}, written before it started: with ${setting} a consumer without a committed ` +
          'offset starts at the end of each partition' +
          (offsetReset === 'earliest' ? '' : ' (latest is the default)') +
          `; the lecture starts from the beginning: ${py ? 'auto_offset_reset="earliest"' : 'subscribe({ topic, fromBeginning: true })'}`,
      ),
    );

  const shown = [...seen.before, ...seen.after].filter((w) => printedLine(stdout, w.id) !== undefined);
  if (shown.length > 0) {
    const wrongOffset = shown.filter(
      (w) => !new RegExp(`offset\\D{0,3}${w.offset}\\b`, 'i').test(printedLine(stdout, w.id) ?? ''),
    );
    if (wrongOffset.length === 0) findings.push(ok('offsets', "each record's line shows its offset"));
    else
      findings.push(
        wrong(
          'offsets',
          `offsets not printed: the line of ${wrongOffset[0]?.id} should show "offset=${wrongOffset[0]?.offset}" ` +
            `(${py ? 'print(f"[offset={message.offset}] ...")' : 'message.offset in eachMessage'}): ` +
            "a record's offset is its position in its partition, where a consumer resumes",
        ),
      );
  }

  // Group and commits.
  const group = typeof created.group === 'string' ? created.group : undefined;
  const commits = events.filter((e) => e.event === 'commit').length;
  const committed =
    seen.committed.length > 0
      ? `; the broker holds ${seen.committed.map((c) => `partition ${c.partition} → ${c.offset}`).join(', ')}`
      : '; nothing committed yet when it was stopped';
  if (group === undefined) {
    findings.push(
      note(
        'commits',
        'no group_id: it joins no consumer group and commits nothing, so every start reads ' +
          `again from auto_offset_reset; give it a group_id (e.g. "fraud-detection") to resume where it stopped`,
      ),
    );
  } else {
    const autoCommit = py ? created.autoCommit !== false : events.find((e) => e.event === 'run')?.autoCommit !== false;
    if (autoCommit)
      findings.push(
        ok(
          'commits',
          `group "${group}", offsets committed automatically ` +
            `(${py ? 'enable_auto_commit, every 5 s' : 'autoCommit, every 5 s or on stop'})${committed}`,
        ),
      );
    else if (commits > 0) findings.push(ok('commits', `group "${group}", ${commits} explicit commit(s)${committed}`));
    else
      findings.push(
        wrong(
          'commits',
          `commits nothing: group "${group}" with ${py ? 'enable_auto_commit=False' : 'autoCommit: false'} and no ` +
            `${py ? 'consumer.commit()' : 'consumer.commitOffsets()'} call, so after a restart the group starts again from ` +
            `${py ? 'auto_offset_reset' : 'fromBeginning'} and reads everything again; commit after processing`,
        ),
      );
  }
  return findings;
}

function subscribedTopics(events: readonly HookEvent[]): string[] {
  return events
    .filter((e) => e.event === 'consumer' || e.event === 'subscribe')
    .flatMap((e) => (Array.isArray(e.topics) ? e.topics.map(String) : []));
}

const readsAskedTopic = (events: readonly HookEvent[]): boolean => subscribedTopics(events).includes(ASKED_TOPIC);

function subscribedFromBeginning(events: readonly HookEvent[]): boolean {
  return events.some((e) => e.event === 'subscribe' && e.fromBeginning === true);
}

function lastIndex<T>(xs: readonly T[], predicate: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i -= 1) if (predicate(xs[i])) return i;
  return -1;
}

const ok = (about: string, text: string): Finding => ({ verdict: 'ok', about, text });
const wrong = (about: string, text: string): Finding => ({ verdict: 'wrong', about, text });
const note = (about: string, text: string): Finding => ({ verdict: 'note', about, text });
