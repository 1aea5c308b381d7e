export const GATEWAY_ENV = Symbol('nurt.gateway.env');
