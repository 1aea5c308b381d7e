import { ConfigError } from '@nurt/config';
import { loadDatabaseEnv } from '@nurt/database';
import { loadKafkaEnv } from '@nurt/kafka';
import { checkConfig, runApp } from '@nurt/runtime';
import { loadMonolithEnv } from './monolith.config.js';
import { MonolithModule } from './monolith.module.js';
import { loadServiceParts, type ServicePart } from './services/index.js';

let parts: ServicePart[] = [];

await runApp({
  name: 'monolith',
  // NURT_SERVICES picks the services; only theirs are imported. A bad list is reported by the
  // config check below, together with every other bad variable.
  prepare: async () => {
    try {
      parts = await loadServiceParts(loadMonolithEnv().NURT_SERVICES);
    } catch (err: unknown) {
      if (!(err instanceof ConfigError)) throw err;
    }
  },
  module: () => MonolithModule.compose(parts),
  consumerGroups: () => parts.flatMap((p) => p.consumerGroups),
  config: [
    () => loadMonolithEnv(),
    () => parts.some((p) => p.kafka) && loadKafkaEnv(),
    () => parts.some((p) => p.database) && loadDatabaseEnv(),
    () => checkConfig(parts.flatMap((p) => p.config)),
  ],
});
