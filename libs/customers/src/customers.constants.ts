export const CUSTOMERS_ENV = Symbol('nurt.customers.env');
