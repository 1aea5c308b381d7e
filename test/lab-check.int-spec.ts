// `npm run lab:check` against the real broker: the lecture's own producer and consumer pass as
// printed, the solutions pass, the starters fail, and each common mistake fails with its own message;
// nothing of a check is left on the broker. Python programs need kafka-python: when no Python has
// it, these tests fail (they do not skip).
import { spawn } from 'node:child_process';
import { checkConsumer, checkProducer, type CheckResult, type Finding } from '../tools/labs/check/checks.js';
import { pythonWithKafka } from '../tools/labs/check/program.js';
import { plainKafka } from './support/kafka.js';
import { repoRoot } from './support/process.js';
import { waitFor } from './support/wait.js';

const fixture = (name: string): string => `test/fixtures/lab-check/${name}`;

const PRODUCERS = [
  'exercises/lecture/producer.py',
  'exercises/solutions/producer.py',
  'exercises/solutions/producer.ts',
  'exercises/producer.py',
  'exercises/producer.ts',
  fixture('producer-wrong-topic.py'),
  fixture('producer-no-flush.py'),
  fixture('producer-not-json.py'),
  fixture('producer-wrong-types.py'),
  fixture('producer-not-awaited.ts'),
  fixture('producer-no-serializer.py'),
  fixture('producer-object-value.ts'),
];
const CONSUMERS = [
  'exercises/lecture/consumer.py',
  'exercises/solutions/consumer.py',
  'exercises/solutions/consumer.ts',
  'exercises/consumer.py',
  'exercises/consumer.ts',
  fixture('consumer-wrong-topic.py'),
  fixture('consumer-latest.py'),
  fixture('consumer-no-offsets.py'),
  fixture('consumer-no-commit.py'),
];

const results = new Map<string, CheckResult | Error>();

/**
 * Every check, three at a time: each spends most of its time waiting on the broker or on its
 * program's start, so three overlap well on two cores while keeping the machine usable.
 */
async function runAll(): Promise<void> {
  const queue: (() => Promise<void>)[] = [
    ...PRODUCERS.map((file) => () => record(`producer ${file}`, () => checkProducer(file, { log: () => undefined }))),
    ...CONSUMERS.map((file) => () => record(`consumer ${file}`, () => checkConsumer(file, { log: () => undefined }))),
  ];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await next();
  };
  await Promise.all([worker(), worker(), worker()]);
}

async function record(name: string, check: () => Promise<CheckResult>): Promise<void> {
  try {
    results.set(name, await check());
  } catch (err: unknown) {
    results.set(name, err instanceof Error ? err : new Error(String(err)));
  }
}

function result(kind: 'producer' | 'consumer', file: string): CheckResult {
  const r = results.get(`${kind} ${file}`);
  if (r === undefined) throw new Error(`no result for ${kind} ${file}`);
  if (r instanceof Error) throw r;
  return r;
}

const wrongs = (r: CheckResult): Finding[] => r.findings.filter((f) => f.verdict === 'wrong');
const about = (r: CheckResult, what: string): Finding | undefined => r.findings.find((f) => f.about === what);

/** The finding about `what` has this verdict and says `message`. */
function expectFinding(r: CheckResult, what: string, verdict: Finding['verdict'], message: RegExp): void {
  expect(about(r, what)?.verdict).toBe(verdict);
  expect(about(r, what)?.text).toMatch(message);
}

/** The check failed, on exactly these points, and the first of them says `message`. */
function expectMistake(r: CheckResult, points: readonly string[], message: RegExp): void {
  expect(r.passed).toBe(false);
  expect(wrongs(r).map((f) => f.about)).toEqual(points);
  expect(about(r, points[0] ?? '')?.text).toMatch(message);
}

beforeAll(async () => {
  await runAll();
}, 180_000);

describe('npm run lab:check (real broker, the learner programs run for real)', () => {
  it('finds a Python with kafka-python (else: apt-get install python3-kafka)', () => {
    expect(pythonWithKafka()).toMatch(/python/);
  });

  it("passes the lecture's producer as printed, and explains what no key does to order", () => {
    const r = result('producer', 'exercises/lecture/producer.py');
    expect(wrongs(r)).toEqual([]);
    expect(r.passed).toBe(true);
    expectFinding(r, 'topic', 'ok', /"transactions"/);
    expect(about(r, 'flush')?.verdict).toBe('ok');
    expectFinding(r, 'json', 'ok', /TransactionsTopic\.parse/);
    expectFinding(r, 'key', 'note', /two transactions of one store can land on different partitions/);
    expect(r.stdout).toContain("Sent: {'id': 'TX5001'");
  });

  it("passes the lecture's consumer as printed: every record with its offset; no group, so no commits", () => {
    const r = result('consumer', 'exercises/lecture/consumer.py');
    expect(wrongs(r)).toEqual([]);
    expect(r.passed).toBe(true);
    for (const id of ['TX9001', 'TX9002', 'TX9003', 'TX9004', 'TX9005', 'TX9006']) {
      expect(r.stdout).toMatch(new RegExp(`\\[offset=\\d+\\] ${id}: `));
    }
    expect(about(r, 'earliest')?.text).toMatch(/auto_offset_reset="earliest"/);
    expectFinding(r, 'commits', 'note', /no group_id/);
  });

  it.each(['py', 'ts'])(
    'passes the %s solutions: keyed by store, one partition per store, a group that commits',
    (ext) => {
      const producer = result('producer', `exercises/solutions/producer.${ext}`);
      expect(wrongs(producer)).toEqual([]);
      expectFinding(producer, 'key', 'ok', /^the store \(/);
      const consumer = result('consumer', `exercises/solutions/consumer.${ext}`);
      expect(wrongs(consumer)).toEqual([]);
      expectFinding(consumer, 'commits', 'ok', /group "lab-consumer"/);
    },
  );

  it.each(['py', 'ts'])('fails the %s starters, saying what is still to do', (ext) => {
    expectMistake(result('producer', `exercises/producer.${ext}`), ['send'], /never called producer\.send\(\)/);
    const consumer = result('consumer', `exercises/consumer.${ext}`);
    expectMistake(consumer, ['earliest', 'offsets'], /missed TX9001, TX9002, TX9003, written before it started/);
    expect(about(consumer, 'offsets')?.text).toMatch(/^offsets not printed/);
  });

  it('producer, wrong topic: names the topic it used', () => {
    expectMistake(
      result('producer', fixture('producer-wrong-topic.py')),
      ['topic'],
      /it sent to "transaction", not "transactions"/,
    );
  });

  it('producer, no flush: seen by the hook, whether or not the record got out this time', () => {
    const r = result('producer', fixture('producer-no-flush.py'));
    expectMistake(r, wrongs(r).length === 1 ? ['flush'] : ['flush', 'records'], /^no flush: .*producer\.flush\(\)/);
  });

  it('producer, value not JSON: says what it was and how to serialize', () => {
    expectMistake(
      result('producer', fixture('producer-not-json.py')),
      ['json'],
      /^value not JSON: .*"\{'id': 'TX5001'.*str\(\) of a dict .*json\.dumps/,
    );
  });

  it('producer, a dict without a value_serializer, an object as a kafkajs value: why it cannot be sent', () => {
    expectMistake(
      result('producer', fixture('producer-no-serializer.py')),
      ['ending', 'json'],
      /^it failed \(exit 1\): AssertionError \| File ".*producer-no-serializer\.py", line \d+/,
    );
    expect(about(result('producer', fixture('producer-no-serializer.py')), 'json')?.text).toMatch(
      /^value not JSON: the value is a dict and the producer has no value_serializer, .*json\.dumps/,
    );
    const ts = result('producer', fixture('producer-object-value.ts'));
    expectMistake(ts, ['ending', 'json'], /^it failed \(exit 1\): TypeError \[ERR_INVALID_ARG_TYPE\]/);
    expect(about(ts, 'json')?.text).toMatch(
      /^value not JSON: the value is an object, .*JSON\.stringify\(transaction\)/,
    );
  });

  it('producer, wrong field types: each field, what it is and what the contract wants', () => {
    const r = result('producer', fixture('producer-wrong-types.py'));
    expectMistake(r, ['fields'], /id is a number \(5001\) where the contract wants a string/);
    expect(about(r, 'fields')?.text).toMatch(/amount is a string \("1250\.00"\) where the contract wants a number/);
  });

  it('producer (kafkajs), send not awaited: seen by the hook', () => {
    const r = result('producer', fixture('producer-not-awaited.ts'));
    expectMistake(r, wrongs(r).length === 1 ? ['flush'] : ['flush', 'records'], /^not awaited: .*await producer\.send/);
  });

  it('consumer, wrong topic: names the topic it read, and nothing else', () => {
    expectMistake(
      result('consumer', fixture('consumer-wrong-topic.py')),
      ['topic'],
      /it reads "transaction", not "transactions"/,
    );
  });

  it('consumer, a new group from latest: misses what was written before it started', () => {
    expectMistake(
      result('consumer', fixture('consumer-latest.py')),
      ['earliest'],
      /missed TX9001, TX9002, TX9003, .*auto_offset_reset="latest".*auto_offset_reset="earliest"/,
    );
  });

  it('consumer, offsets not printed', () => {
    expectMistake(result('consumer', fixture('consumer-no-offsets.py')), ['offsets'], /^offsets not printed/);
  });

  it('consumer, a group that never commits', () => {
    expectMistake(
      result('consumer', fixture('consumer-no-commit.py')),
      ['commits'],
      /^commits nothing: group "fraud-detection" with enable_auto_commit=False and no consumer\.commit\(\)/,
    );
  });

  it('leaves no topic or group of a check on the broker', async () => {
    const cleaned = [...results.values()].flatMap((r) => (r instanceof Error ? [] : [r.cleaned]));
    const topics = cleaned.flatMap((c) => c.topics);
    const groups = cleaned.flatMap((c) => c.groups);
    expect(topics.length).toBe(2 * (PRODUCERS.length + CONSUMERS.length));
    expect(topics.every((t) => t.startsWith('lab-check-'))).toBe(true);
    const admin = plainKafka('nurt-test-lab-check').admin();
    await admin.connect();
    try {
      await waitFor('the check topics to be deleted', async () => {
        const present = new Set(await admin.listTopics());
        return topics.every((t) => !present.has(t));
      });
      const { groups: left } = await admin.listGroups();
      expect(left.map((g) => g.groupId).filter((g) => groups.includes(g))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});

/** `npm run lab:check -- <args>` as a learner runs it. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/labs/check.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run lab:check, the command', () => {
  it('exits 0 with PASSED for the lecture producer, 1 with FAILED for a mistake', async () => {
    const [pass, fail] = await Promise.all([
      cli('producer', 'exercises/lecture/producer.py'),
      cli('consumer', fixture('consumer-no-offsets.py')),
    ]);
    expect(pass).toMatchObject({ code: 0, stderr: '' });
    expect(pass.stdout).toMatch(/^PASSED: the producer does what the lab asks$/m);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/^ ✗ offsets: offsets not printed/m);
    expect(fail.stdout).toMatch(/^FAILED: 1 thing\(s\) to fix/m);
  });

  it.each([
    [[], /^lab:check: usage: npm run lab:check -- producer\|consumer <file\.py\|file\.ts>$/],
    [['publisher', 'exercises/producer.py'], /^lab:check: unknown check "publisher": usage: /],
    [['producer', 'exercises/nope.py'], /^lab:check: no such file: exercises\/nope\.py$/],
    [['producer', 'README.md'], /^lab:check: cannot run README\.md: the checker runs Python \(\.py/],
    [['consumer', 'exercises'], /^lab:check: not a file: exercises$/],
  ])('bad input %j: one line, exit 2, no stack trace', async (args, line) => {
    const { code, stdout, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(line);
  });
});
