import { GatewayDocs, loadGatewayEnv } from '@nurt/gateway';
import { runApp } from '@nurt/runtime';
import { GatewayAppModule } from './gateway-app.module.js';

await runApp({
  name: 'gateway',
  module: () => GatewayAppModule,
  description: 'nurt: Kafka-driven microservices and ML model serving (split deployment, through the gateway).',
  config: [() => loadGatewayEnv()],
  openApiDocument: (app) => {
    const docs = app.get(GatewayDocs);
    return (own) => docs.document(own);
  },
});
