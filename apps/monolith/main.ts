import { ConfigError } from '@nurt/config';
import { runApp, type ServiceDefinition } from '@nurt/runtime';
import { loadServices } from '../services/index.js';
import { loadMonolithEnv } from './monolith.config.js';

let services: ServiceDefinition[] = [];

await runApp({
  name: 'monolith',
  // NURT_SERVICES picks the services; only theirs are imported. A bad list is reported by the
  // config check, together with every other bad variable.
  prepare: async () => {
    try {
      services = await loadServices(loadMonolithEnv().NURT_SERVICES);
    } catch (err: unknown) {
      if (!(err instanceof ConfigError)) throw err;
    }
  },
  services: () => services,
  config: [() => loadMonolithEnv()],
});
