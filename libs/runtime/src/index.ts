export { HttpEnv } from './http.config.js';
export { checkConfig, createHttpApp, runApp, setUpOpenApi, type AppDefinition } from './run-app.js';
export { composeServices, groupsOf, type ComposeOptions, type Composition, type ServiceDefinition } from './service.js';
export { createValidationPipe } from './validation.pipe.js';
