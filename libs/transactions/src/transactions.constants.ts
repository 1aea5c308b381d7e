export const TRANSACTIONS_ENV = Symbol('nurt.transactions.env');
