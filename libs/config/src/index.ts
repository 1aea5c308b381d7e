export { ConfigError, loadConfig, type Env } from './load-config.js';
export { ToBoolean, ToList, ToNumber } from './transforms.js';
export { envOrigin, loadDotEnv } from './dotenv.js';
