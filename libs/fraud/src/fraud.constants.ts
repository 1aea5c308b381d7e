export const FRAUD_ENV = Symbol('nurt.fraud.env');
