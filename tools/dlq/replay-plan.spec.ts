import { DeadLetterHeaders } from '@nurt/kafka';
import {
  decide,
  formatLine,
  matchesFilters,
  parseReplayArgs,
  REPLAYED_FROM_HEADER,
  replayHeaders,
  singleHeaders,
  UsageError,
  type DeadLetter,
} from './replay-plan.js';

function letter(headers: Record<string, string | Buffer>, offset = '17'): DeadLetter {
  return { partition: 0, offset, key: Buffer.from('Torun'), value: Buffer.from('{"id":"TX1"}'), headers };
}

const dlq = (extra: Record<string, string> = {}): Record<string, string | Buffer> => ({
  'trace-id': Buffer.from([0xff, 0x00, 0x01]),
  [DeadLetterHeaders.Error]: 'connect ECONNREFUSED 127.0.0.1:5432',
  [DeadLetterHeaders.Reason]: 'handler',
  [DeadLetterHeaders.OriginTopic]: 'transactions',
  [DeadLetterHeaders.OriginPartition]: '3',
  [DeadLetterHeaders.OriginOffset]: '1204',
  [DeadLetterHeaders.Group]: 'reporting-staging',
  [DeadLetterHeaders.Attempts]: '4',
  ...extra,
});

function usage(argv: string[]): UsageError {
  try {
    parseReplayArgs(argv);
  } catch (err: unknown) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
}

describe('parseReplayArgs', () => {
  it('reads every flag', () => {
    expect(
      parseReplayArgs([
        '--topic',
        'customers.dlq',
        '--reason',
        'handler',
        '--group',
        'recommendation',
        '--from-offset',
        '5',
        '--to-offset',
        '9',
        '--limit',
        '3',
        '--dry-run',
      ]),
    ).toEqual({
      topic: 'customers.dlq',
      reason: 'handler',
      group: 'recommendation',
      fromOffset: 5n,
      toOffset: 9n,
      limit: 3,
      dryRun: true,
    });
    expect(parseReplayArgs(['--topic', 'transactions.dlq'])).toEqual({
      topic: 'transactions.dlq',
      reason: undefined,
      group: undefined,
      fromOffset: undefined,
      toOffset: undefined,
      limit: undefined,
      dryRun: false,
    });
  });

  it.each([
    [[], '--topic'],
    [['--topic', 'transactions'], '--topic'],
    [['--topic', 'transactions.dlq', '--from-offset', '-1'], '--from-offset'],
    [['--topic', 'transactions.dlq', '--from-offset', 'abc'], '--from-offset'],
    [['--topic', 'transactions.dlq', '--to-offset', '1.5'], '--to-offset'],
    [['--topic', 'transactions.dlq', '--from-offset', '9', '--to-offset', '3'], '--to-offset'],
    [['--topic', 'transactions.dlq', '--limit', '0'], '--limit'],
    [['--topic', 'transactions.dlq', '--reason', ''], '--reason'],
    [['--topic', 'transactions.dlq', '--bogus'], '--bogus'],
  ])('rejects %j naming %s', (argv, flag) => {
    const err = usage(argv);
    expect(err.flag).toBe(flag);
    expect(err.message).toContain(flag);
  });
});

describe('matchesFilters', () => {
  it('matches --reason against the code exactly or the error as a substring, and --group exactly', () => {
    const l = letter(dlq());
    expect(matchesFilters(l, {})).toBe(true);
    expect(matchesFilters(l, { reason: 'handler' })).toBe(true);
    expect(matchesFilters(l, { reason: 'econnrefused' })).toBe(true);
    expect(matchesFilters(l, { reason: 'validation' })).toBe(false);
    expect(matchesFilters(l, { reason: 'hand' })).toBe(false);
    expect(matchesFilters(l, { group: 'reporting-staging' })).toBe(true);
    expect(matchesFilters(l, { group: 'reporting' })).toBe(false);
    expect(matchesFilters(l, { reason: 'handler', group: 'anti-fraud' })).toBe(false);
    expect(matchesFilters(letter({}), { reason: 'handler' })).toBe(false);
  });
});

describe('replayHeaders', () => {
  it('keeps the original headers byte for byte, drops every dlq-* header and says where the record came from', () => {
    const headers = replayHeaders(letter(dlq({ 'dlq-replayed-from': 'transactions.dlq:0:3' })), 'transactions.dlq');
    expect(headers).toEqual({
      'trace-id': Buffer.from([0xff, 0x00, 0x01]),
      [REPLAYED_FROM_HEADER]: 'transactions.dlq:0:17',
    });
  });

  it('singleHeaders keeps the first value of a repeated header', () => {
    expect(singleHeaders({ a: [Buffer.from('1'), Buffer.from('2')], b: 'x', c: undefined })).toEqual({
      a: Buffer.from('1'),
      b: 'x',
    });
  });
});

describe('decide', () => {
  const options = { topic: 'transactions.dlq', reason: 'handler' };

  it('replays a matching dead letter to its origin topic', () => {
    expect(decide(letter(dlq()), options)).toEqual({
      action: 'replay',
      target: 'transactions',
      headers: { 'trace-id': Buffer.from([0xff, 0x00, 0x01]), [REPLAYED_FROM_HEADER]: 'transactions.dlq:0:17' },
    });
  });

  it('skips one the filters leave out, without counting it as unroutable', () => {
    expect(decide(letter(dlq({ [DeadLetterHeaders.Reason]: 'validation' })), options)).toMatchObject({
      action: 'skip',
      unroutable: false,
    });
  });

  it('skips as unroutable a dead letter without an origin topic, or with one it may not go back to', () => {
    const { [DeadLetterHeaders.OriginTopic]: _, ...noOrigin } = dlq();
    expect(decide(letter(noOrigin), options)).toMatchObject({ action: 'skip', unroutable: true, target: null });
    for (const origin of ['orders', 'transactions.dlq']) {
      expect(decide(letter(dlq({ [DeadLetterHeaders.OriginTopic]: origin })), options)).toMatchObject({
        action: 'skip',
        unroutable: true,
        target: origin,
      });
    }
  });
});

describe('decide on a dead letter cut to fit', () => {
  it('skips it as unroutable and says where the whole record is', () => {
    const cut = letter(dlq({ [DeadLetterHeaders.Truncated]: 'value', [DeadLetterHeaders.Reason]: 'validation' }));
    const decision = decide(cut, { topic: 'transactions.dlq' });
    expect(decision).toMatchObject({ action: 'skip', unroutable: true, target: 'transactions' });
    expect(decision.action === 'skip' && decision.why).toMatch(/cut to fit \(value\).*transactions\/3@1204/);
  });
});

describe('formatLine', () => {
  it('prints the verb, the DLQ offset, the origin topic, the key and the reason', () => {
    const l = letter(dlq());
    expect(formatLine(l, decide(l, { topic: 'transactions.dlq' }), false)).toBe(
      'replayed 17 → transactions key=Torun reason=handler error="connect ECONNREFUSED 127.0.0.1:5432"',
    );
    expect(formatLine(l, decide(l, { topic: 'transactions.dlq' }), true)).toMatch(/^would replay 17 → transactions /);
    const { [DeadLetterHeaders.OriginTopic]: _, ...noOrigin } = dlq();
    expect(formatLine(letter(noOrigin, '18'), decide(letter(noOrigin), { topic: 'transactions.dlq' }), false)).toBe(
      'skipped 18 → ? key=Torun reason=handler error="connect ECONNREFUSED 127.0.0.1:5432" (no dlq-origin-topic header)',
    );
  });
});
