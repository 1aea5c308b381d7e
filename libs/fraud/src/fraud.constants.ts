export const FRAUD_ENV = Symbol('nurt.fraud.env');
/** The fraud alerts' outbox relay (an OutboxRelay): kicked after a batch raised alerts. */
export const FRAUD_ALERTS_OUTBOX = Symbol('nurt.fraud.alerts-outbox');
