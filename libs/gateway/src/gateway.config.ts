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

/** The variable that holds a service's URL: GATEWAY_<SERVICE>_URL. */
export function gatewayUrlVariable<S extends ServiceName>(service: S): `GATEWAY_${Uppercase<S>}_URL` {
  return `GATEWAY_${service.toUpperCase() as Uppercase<S>}_URL`;
}

export function upstreams(env: GatewayEnv): Upstream[] {
  return SERVICES.map((service) => ({ service, url: env[gatewayUrlVariable(service)].replace(/\/+$/, '') }));
}
