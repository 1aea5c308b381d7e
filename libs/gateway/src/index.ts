export { GatewayEnv, gatewayUrlVariable, loadGatewayEnv, upstreams, type Upstream } from './gateway.config.js';
export { GatewayDocs } from './gateway.docs.js';
export { GatewayModule } from './gateway.module.js';
export { GatewayProxy, proxyError } from './gateway.proxy.js';
export { mergeOpenApi, type ServiceDocument } from './openapi.merge.js';
export { upstreamCheck } from './upstream.health.js';
