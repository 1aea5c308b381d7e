// The pure half of `npm run dlq:replay`: argument parsing, which dead letters to replay, where to,
// and with which headers. No Kafka here; tools/dlq/replayer.ts does the reading and writing.
import { parseArgs } from 'node:util';
import { Topics } from '@nurt/contracts';
import { DeadLetterHeaders } from '@nurt/kafka';

/** The header a replayed record carries: `<dlq topic>:<partition>:<offset>` of the dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'dlq-replayed-from';

/** Dead-letter topics that can be replayed, and the topics a dead letter may be sent back to. */
export const DLQ_TOPICS: readonly string[] = [Topics.TransactionsDlq, Topics.CustomersDlq];
export const REPLAY_TARGETS: readonly string[] = Object.values(Topics).filter((t) => !DLQ_TOPICS.includes(t));

export interface ReplayOptions {
  /** The DLQ topic to read. */
  readonly topic: string;
  /** Matches `dlq-reason` exactly, or a substring of `dlq-error` (case-insensitive). */
  readonly reason?: string;
  /** Matches `dlq-group` exactly. */
  readonly group?: string;
  /** Start here on every partition instead of at the replay group's committed offset. */
  readonly fromOffset?: bigint;
  /** Last offset (inclusive) to read on every partition. */
  readonly toOffset?: bigint;
  readonly dryRun: boolean;
  /** Replay at most this many records, then stop (the rest stays for the next run). */
  readonly limit?: number;
}

/** Bad command-line input; `flag` names the culprit. The CLI exits 2 on it. */
export class UsageError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'UsageError';
  }
}

export const USAGE =
  'usage: npm run dlq:replay -- --topic <transactions.dlq|customers.dlq> [--reason <code|substring>] ' +
  '[--group <dlq-group>] [--from-offset N] [--to-offset N] [--limit N] [--dry-run]';

function offsetFlag(flag: string, text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(flag, `must be a non-negative integer offset, got "${text}"`);
  return BigInt(text);
}

function nonEmpty(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new UsageError(flag, 'must not be empty');
  return text;
}

export function parseReplayArgs(argv: readonly string[]): ReplayOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        topic: { type: 'string' },
        reason: { type: 'string' },
        group: { type: 'string' },
        'from-offset': { type: 'string' },
        'to-offset': { type: 'string' },
        limit: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    }));
  } catch (err: unknown) {
    const text = err instanceof Error ? err.message : String(err);
    const flag = /'(-[^' ]+)/.exec(text)?.[1] ?? 'arguments';
    throw new UsageError(flag, text);
  }
  const topic = values.topic;
  if (typeof topic !== 'string') throw new UsageError('--topic', `is required (one of ${DLQ_TOPICS.join(', ')})`);
  if (!DLQ_TOPICS.includes(topic)) {
    throw new UsageError('--topic', `must be a dead-letter topic (${DLQ_TOPICS.join(', ')}), got "${topic}"`);
  }
  const fromOffset = offsetFlag('--from-offset', values['from-offset'] as string | undefined);
  const toOffset = offsetFlag('--to-offset', values['to-offset'] as string | undefined);
  if (fromOffset !== undefined && toOffset !== undefined && toOffset < fromOffset) {
    throw new UsageError('--to-offset', `must not be below --from-offset (${toOffset} < ${fromOffset})`);
  }
  let limit: number | undefined;
  const limitText = values.limit as string | undefined;
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1) {
      throw new UsageError('--limit', `must be a positive integer, got "${limitText}"`);
    }
    limit = Number(limitText);
  }
  return {
    topic,
    reason: nonEmpty('--reason', values.reason as string | undefined),
    group: nonEmpty('--group', values.group as string | undefined),
    fromOffset,
    toOffset,
    limit,
    dryRun: values['dry-run'] === true,
  };
}

/** A dead letter as read from the DLQ, headers reduced to one value each (as the dead-letter writer wrote them). */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string>>;
}

export type ReplayDecision =
  | { readonly action: 'replay'; readonly target: string; readonly headers: Record<string, Buffer | string> }
  | { readonly action: 'skip'; readonly target: string | null; readonly unroutable: boolean; readonly why: string };

/** First value of each header, as kafkajs hands them (a header may repeat). */
export function singleHeaders(
  headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>> | undefined,
): Record<string, Buffer | string> {
  const out: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first;
  }
  return out;
}

export function headerString(headers: Readonly<Record<string, Buffer | string>>, name: string): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : value.toString();
}

/** Whether the dead letter passes --reason and --group. */
export function matchesFilters(letter: DeadLetter, options: Pick<ReplayOptions, 'reason' | 'group'>): boolean {
  if (options.group !== undefined && headerString(letter.headers, DeadLetterHeaders.Group) !== options.group) {
    return false;
  }
  if (options.reason !== undefined) {
    const reason = headerString(letter.headers, DeadLetterHeaders.Reason);
    const error = headerString(letter.headers, DeadLetterHeaders.Error) ?? '';
    if (reason !== options.reason && !error.toLowerCase().includes(options.reason.toLowerCase())) return false;
  }
  return true;
}

/** The original record's headers, byte for byte, without any dlq-* header, plus where it was replayed from. */
export function replayHeaders(letter: DeadLetter, dlqTopic: string): Record<string, Buffer | string> {
  const out: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(letter.headers)) {
    if (!name.toLowerCase().startsWith('dlq-')) out[name] = value;
  }
  out[REPLAYED_FROM_HEADER] = `${dlqTopic}:${letter.partition}:${letter.offset}`;
  return out;
}

/** What to do with one dead letter: filters first, then whether its origin is a topic it may go back to. */
export function decide(letter: DeadLetter, options: Pick<ReplayOptions, 'topic' | 'reason' | 'group'>): ReplayDecision {
  const origin = headerString(letter.headers, DeadLetterHeaders.OriginTopic);
  if (!matchesFilters(letter, options)) {
    return { action: 'skip', target: origin ?? null, unroutable: false, why: 'does not match the filters' };
  }
  if (origin === undefined || origin === '') {
    return { action: 'skip', target: null, unroutable: true, why: `no ${DeadLetterHeaders.OriginTopic} header` };
  }
  const truncated = headerString(letter.headers, DeadLetterHeaders.Truncated);
  if (truncated !== undefined) {
    // Sending a cut value back would only fail again; the whole record is still at its origin.
    const partition = headerString(letter.headers, DeadLetterHeaders.OriginPartition) ?? '?';
    const offset = headerString(letter.headers, DeadLetterHeaders.OriginOffset) ?? '?';
    return {
      action: 'skip',
      target: origin,
      unroutable: true,
      why: `the dead letter was cut to fit (${truncated}); the record is whole at ${origin}/${partition}@${offset} until its retention ends`,
    };
  }
  if (!REPLAY_TARGETS.includes(origin)) {
    return {
      action: 'skip',
      target: origin,
      unroutable: true,
      why: `origin topic "${origin}" is not one of ${REPLAY_TARGETS.join(', ')}`,
    };
  }
  return { action: 'replay', target: origin, headers: replayHeaders(letter, options.topic) };
}

const MAX_SHOWN_ERROR = 120;

/** `replayed|skipped <dlq offset> → <origin topic> key=<key> reason=<reason> …`, one line per dead letter. */
export function formatLine(letter: DeadLetter, decision: ReplayDecision, dryRun: boolean): string {
  const verb = decision.action === 'replay' ? (dryRun ? 'would replay' : 'replayed') : 'skipped';
  const key = letter.key === null ? '(none)' : letter.key.toString();
  const reason = headerString(letter.headers, DeadLetterHeaders.Reason) ?? '(none)';
  const fullError = headerString(letter.headers, DeadLetterHeaders.Error);
  const error =
    fullError === undefined
      ? ''
      : ` error=${JSON.stringify(fullError.length > MAX_SHOWN_ERROR ? `${fullError.slice(0, MAX_SHOWN_ERROR)}…` : fullError)}`;
  const why = decision.action === 'skip' ? ` (${decision.why})` : '';
  return `${verb} ${letter.offset} → ${decision.target ?? '?'} key=${key} reason=${reason}${error}${why}`;
}
