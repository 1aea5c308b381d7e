import type { CustomerSegment } from '@nurt/contracts';

/** A customer as stored and served; the same shape as CustomerEvent on the `customers` topic. */
export interface Customer {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly city: string;
  readonly segment: CustomerSegment;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a client supplies on create and on a full replace. */
export interface CustomerInput {
  readonly name: string;
  readonly email: string;
  readonly city: string;
  readonly segment: CustomerSegment;
}

export interface CustomerFilter {
  readonly segment?: CustomerSegment;
  /** Matched case-insensitively. */
  readonly city?: string;
  /** Only customers with a greater id (keyset pagination). */
  readonly afterId?: number;
  readonly limit: number;
}

export class CustomerNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`Customer ${id} not found`);
    this.name = 'CustomerNotFoundError';
  }
}

export class EmailTakenError extends Error {
  constructor(readonly email: string) {
    super(`A customer with email ${email} already exists`);
    this.name = 'EmailTakenError';
  }
}
