export const CUSTOMERS_ENV = Symbol('nurt.customers.env');
/** The customers outbox's relay (an OutboxRelay): kicked after every change. */
export const CUSTOMERS_OUTBOX = Symbol('nurt.customers.outbox');
