import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import {
  parseTransaction,
  prefixErrors,
  validationErrorBody,
  type FieldError,
  type Transaction,
} from '@nurt/contracts';
import { MAX_BATCH } from './transactions.dto.js';

/**
 * Reads a request body with the `transactions` topic's own contract, once per item, and applies
 * its defaults (occurredAt = now, currency = PLN): what the REST API accepts is exactly what every
 * consumer group accepts. Unknown fields are refused here (an event on the topic may carry them).
 */
function parseItem(input: unknown, now: Date, prefix?: string): Transaction | FieldError[] {
  const parsed = parseTransaction(input, { timestamp: now }, { rejectUnknown: true });
  if (parsed.ok) return parsed.value;
  return prefix === undefined ? parsed.errors : prefixErrors(parsed.errors, prefix);
}

/** POST /transactions: one transaction. */
@Injectable()
export class TransactionBodyPipe implements PipeTransform<unknown, Transaction> {
  transform(body: unknown): Transaction {
    const tx = parseItem(body, new Date());
    if (Array.isArray(tx)) throw new BadRequestException(validationErrorBody(tx));
    return tx;
  }
}

/** POST /transactions/batch: `{ "transactions": [...] }`, 1 to MAX_BATCH items, each named in an error by its index. */
@Injectable()
export class TransactionBatchPipe implements PipeTransform<unknown, Transaction[]> {
  transform(body: unknown): Transaction[] {
    const fail = (errors: FieldError[]): never => {
      throw new BadRequestException(validationErrorBody(errors));
    };
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail([{ field: '$', message: 'must be a JSON object with a transactions array' }]);
    }
    const unknown = Object.keys(body).filter((k) => k !== 'transactions');
    if (unknown.length > 0) fail(unknown.map((k) => ({ field: k, message: `property ${k} should not exist` })));
    const items = (body as { transactions?: unknown }).transactions;
    if (!Array.isArray(items) || items.length < 1 || items.length > MAX_BATCH) {
      return fail([
        { field: 'transactions', message: `transactions must be an array of 1 to ${MAX_BATCH} transactions` },
      ]);
    }
    const now = new Date();
    const errors: FieldError[] = [];
    const txs: Transaction[] = [];
    items.forEach((item, i) => {
      const tx = parseItem(item, now, `transactions.${i}`);
      if (Array.isArray(tx)) errors.push(...tx);
      else txs.push(tx);
    });
    if (errors.length > 0) fail(errors);
    return txs;
  }
}
