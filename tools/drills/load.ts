// The drill's client: posts single transactions at a steady rate whatever the service is going
// through (open loop, so a stalled service faces a growing crowd, as it would in production), and
// retries a 503 with the same id after a pause, as the API tells clients to.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Two stores per partition of the six (the producer places keys with Kafka's murmur2 hash), so
 * that every partition carries load, whichever node leads it.
 */
export const STORES = [
  'Krakow', // 0
  'Wroclaw',
  'Radom', // 1
  'Bytom',
  'Warsaw', // 2
  'Torun',
  'Gdansk', // 3
  'Lodz',
  'Poznan', // 4
  'Katowice',
  'Szczecin', // 5
  'Bydgoszcz',
] as const;

/** One HTTP attempt. Times are ms on the drill's clock; status 0 = no HTTP answer (`error` says why). */
export interface Attempt {
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
  readonly body: unknown;
  readonly error?: string;
}

export interface PostedTransaction {
  readonly id: string;
  readonly store: string;
  readonly customerId?: string;
  readonly attempts: Attempt[];
}

export interface LoadOptions {
  /** POST target, e.g. http://127.0.0.1:4000/transactions */
  readonly url: string;
  readonly rate: number;
  readonly idPrefix: string;
  /** The stores to post for, in turn (default STORES). */
  readonly stores?: readonly string[];
  /** With a customer each (`<idPrefix>c<n mod customers>`), for the groups that work per customer. */
  readonly customers?: number;
  readonly clock: () => number;
  /** Attempts per transaction, the first included. */
  readonly maxAttempts?: number;
  /** Pause before retry n is n times this. */
  readonly retryPauseMs?: number;
  /** The service promises an answer within KAFKA_SEND_TIMEOUT_MS (10 s); this is well past it. */
  readonly requestTimeoutMs?: number;
}

const TICK_MS = 20;

export class LoadClient {
  readonly transactions = new Map<string, PostedTransaction>();
  private readonly abort = new AbortController();
  private readonly lives = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private launched = 0;
  private newestAcked = -Infinity;

  constructor(private readonly options: LoadOptions) {
    // Every request in flight listens to it, and a stalled service has hundreds in flight.
    setMaxListeners(0, this.abort.signal);
  }

  start(): void {
    this.startedAt = this.options.clock();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops starting transactions and waits until every started one has its final answer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.lives.size > 0) await Promise.all(this.lives);
  }

  /** Cuts every attempt and pause short (the drill is being interrupted), then waits for them to end. */
  async cancel(): Promise<void> {
    this.abort.abort();
    await this.stop();
  }

  /** Whether an attempt sent at `time` or later has been answered 202: the service writes again. */
  ackedSince(time: number): boolean {
    return this.newestAcked >= time;
  }

  /** Transactions whose last attempt has not been answered yet. */
  outstanding(): number {
    return this.lives.size;
  }

  private tick(): void {
    const due = Math.floor(((this.options.clock() - this.startedAt) / 1000) * this.options.rate);
    while (this.launched < due) {
      const life: Promise<void> = this.live(this.next()).finally(() => this.lives.delete(life));
      this.lives.add(life);
    }
  }

  private next(): PostedTransaction {
    const n = this.launched++;
    const tx: PostedTransaction = {
      id: `${this.options.idPrefix}${n}`,
      store: (this.options.stores ?? STORES)[n % (this.options.stores ?? STORES).length] ?? 'Warsaw',
      ...(this.options.customers ? { customerId: `${this.options.idPrefix}c${n % this.options.customers}` } : {}),
      attempts: [],
    };
    this.transactions.set(tx.id, tx);
    return tx;
  }

  private async live(tx: PostedTransaction): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const pauseMs = this.options.retryPauseMs ?? 500;
    const body = JSON.stringify({
      id: tx.id,
      amount: amountOf(tx.id),
      store: tx.store,
      type: 'purchase',
      ...(tx.customerId ? { customerId: tx.customerId } : {}),
    });
    for (let n = 1; ; n++) {
      const attempt = await this.post(body);
      tx.attempts.push(attempt);
      if (attempt.status !== 503 || n >= maxAttempts || this.abort.signal.aborted) return;
      try {
        await sleep(pauseMs * n, undefined, { signal: this.abort.signal });
      } catch {
        return; // cancelled
      }
    }
  }

  private async post(body: string): Promise<Attempt> {
    const { clock } = this.options;
    const sentAt = clock();
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000)]),
      });
      const text = await res.text();
      if (res.status === 202) this.newestAcked = Math.max(this.newestAcked, sentAt);
      return { sentAt, answeredAt: clock(), status: res.status, body: parseJson(text) };
    } catch (err: unknown) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { sentAt, answeredAt: clock(), status: 0, body: null, error };
    }
  }
}

/** A plausible amount (2 decimals, positive) that does not need a random source. */
function amountOf(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 1_000_003;
  return Math.round(1000 + (h % 250_000)) / 100;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
