import { Expose } from 'class-transformer';
import { IsInt, IsUrl, Max, Min } from 'class-validator';
import { loadConfig, ToNumber, type Env } from '@nurt/config';
import { SERVICE_SPECS, SERVICES, type ServiceName } from '@nurt/contracts';

const url = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };
const local = (service: ServiceName): string => `http://127.0.0.1:${SERVICE_SPECS[service].splitPort}`;

/** Where the gateway finds each service. The defaults are the ports `npm run start:split` uses. */
export class GatewayEnv {
  @Expose() @IsUrl(url) GATEWAY_CUSTOMERS_URL = local('customers');
  @Expose() @IsUrl(url) GATEWAY_PREDICTION_URL = local('prediction');
  @Expose() @IsUrl(url) GATEWAY_TRANSACTIONS_URL = local('transactions');
  @Expose() @IsUrl(url) GATEWAY_FRAUD_URL = local('fraud');
  @Expose() @IsUrl(url) GATEWAY_REPORTING_URL = local('reporting');
  @Expose() @IsUrl(url) GATEWAY_RECOMMENDATION_URL = local('recommendation');

  /** How long a proxied request may wait for its service's response headers before a 504. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(600_000)
  GATEWAY_UPSTREAM_TIMEOUT_MS = 30_000;
}

export interface Upstream {
  readonly service: ServiceName;
  /** Base URL without a trailing slash. */
  readonly url: string;
}

export function loadGatewayEnv(env?: Env): GatewayEnv {
  return loadConfig(GatewayEnv, env);
}

export function upstreams(env: GatewayEnv): Upstream[] {
  const urls: Record<ServiceName, string> = {
    customers: env.GATEWAY_CUSTOMERS_URL,
    prediction: env.GATEWAY_PREDICTION_URL,
    transactions: env.GATEWAY_TRANSACTIONS_URL,
    fraud: env.GATEWAY_FRAUD_URL,
    reporting: env.GATEWAY_REPORTING_URL,
    recommendation: env.GATEWAY_RECOMMENDATION_URL,
  };
  return SERVICES.map((service) => ({ service, url: urls[service].replace(/\/+$/, '') }));
}
