import 'reflect-metadata';
import {
  BadRequestException,
  UnsupportedMediaTypeException,
  ConsoleLogger,
  Logger,
  type DynamicModule,
  type INestApplication,
  type Type,
  type LogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import secureJson from 'secure-json-parse';
import { ConfigError, loadConfig } from '@nurt/config';
import { describeBrokers, projectionGroups, startProjections } from '@nurt/kafka';
import { describeStorage } from '@nurt/database';
import { loadAdminEnv } from '@nurt/observability';
import { HttpEnv } from './http.config.js';
import { declareInputRules } from './openapi-input.js';
import { composeServices, type Composition, type ServiceDefinition } from './service.js';
import { createValidationPipe } from './validation.pipe.js';

export interface AppDefinition {
  /** Shown in logs, metrics and the OpenAPI title. */
  readonly name: string;
  /**
   * The services this process runs (their modules, consumer groups and config, see
   * ServiceDefinition). A function, so that it can depend on `prepare` and config errors in it are
   * reported like any other.
   */
  readonly services?: () => readonly ServiceDefinition[];
  /** A root module of its own, for an app that runs no service (the gateway). */
  readonly module?: () => Type | DynamicModule;
  readonly description?: string;
  /** Loaders of env config beyond the services' own, checked together before anything starts. */
  readonly config?: readonly (() => unknown)[];
  /**
   * The port when PORT is unset (default 3000). Each service has its own (SERVICE_SPECS in
   * @nurt/contracts), so that `nest start <service>` for several services on one machine do not
   * collide; containers set PORT.
   */
  readonly defaultPort?: number;
  /** Runs before the config check, e.g. to import only the modules an env variable selects. */
  readonly prepare?: () => Promise<void>;
  /**
   * The OpenAPI document served at /docs and /docs-json, built per request from the app's own
   * (the gateway merges the documents of the services behind it).
   */
  readonly openApiDocument?: (app: INestApplication) => (own: OpenAPIObject) => Promise<OpenAPIObject>;
}

/** Runs every loader and reports all bad variables at once rather than one module at a time. */
export function checkConfig(loaders: readonly (() => unknown)[]): void {
  const problems = loaders.flatMap((load) => {
    try {
      load();
      return [];
    } catch (err: unknown) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
}

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's own account of wiring the app (a line per module, controller and route): shown at LOG_LEVEL=debug. */
const WIRING = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'NestMicroservice',
]);

/** The one logger of an app: Nest's, kafkajs' (through it) and the features'. */
class AppLogger extends ConsoleLogger {
  constructor(
    name: string,
    options: ConstructorParameters<typeof ConsoleLogger>[1],
    private readonly wiring: boolean,
  ) {
    super(name, options ?? {});
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (!this.wiring && typeof context === 'string' && WIRING.has(context)) return;
    super.log(message, ...rest);
  }
}

function logger(env: HttpEnv, name: string): ConsoleLogger {
  const upTo = LEVELS.indexOf(env.LOG_LEVEL);
  const terminal = process.stdout.isTTY === true;
  const json = env.LOG_FORMAT === 'json' || (env.LOG_FORMAT === 'auto' && !terminal);
  return new AppLogger(
    name,
    // Colours only on a terminal (and not with NO_COLOR): piped text stays plain.
    { json, colors: !json && terminal && !process.env.NO_COLOR, logLevels: LEVELS.slice(0, upTo + 1) },
    upTo >= LEVELS.indexOf('debug'),
  );
}

/** The start-up summary: what runs, where it keeps its data and where to reach it, in one message. */
function summary(def: AppDefinition, env: HttpEnv, composition: Composition): string {
  const services = def.services?.() ?? [];
  const groups = projectionGroups(composition.projections).map((g) => g.group);
  const url = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${env.PORT}`;
  const lines = [
    `ready on ${url}${env.HOST === '0.0.0.0' ? ' (and every interface)' : ''}: /dashboard (live), /docs, /health, /metrics`,
    ...(services.length > 0 ? [`services: ${services.map((s) => s.name).join(', ')}`] : []),
    ...(groups.length > 0 ? [`consumer groups: ${groups.join(', ')} (joining; their state on /health)`] : []),
    ...(services.some((s) => s.kafka) || groups.length > 0 ? [`Kafka: ${describeBrokers()}`] : []),
    ...(services.some((s) => s.database) ? [`storage: ${describeStorage(def.name)}`] : []),
  ];
  return lines.join('\n  ');
}

/**
 * A JSON body, as Fastify's own parser reads it (secure-json-parse: a `__proto__` or
 * `constructor.prototype` key could poison every object of the process), but each refusal says
 * which of the three it is: empty, not JSON (and where), or a forbidden key.
 */
export function parseJsonBody(body: string): unknown {
  if (body.length === 0) throw new BadRequestException('the body is empty: send a JSON value');
  try {
    return secureJson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    if (/prototype/i.test(message)) {
      throw new BadRequestException(
        'the body has a "__proto__" or "constructor": {"prototype": …} key, which is never accepted (prototype poisoning)',
      );
    }
    throw new BadRequestException(`the body is not valid JSON: ${message}`);
  }
}

/** What the app's root module is made of. */
function compose(def: AppDefinition): Composition {
  if (def.services) return composeServices(def.name, def.services());
  if (!def.module) throw new Error(`${def.name}: an app needs services or a module`);
  return { module: def.module(), projections: [], config: [] };
}

/**
 * Builds the app (not listening yet, consumer groups not started): Fastify, validation, OpenAPI,
 * every module initialised (migrations run, topics declared).
 */
export async function createHttpApp(
  def: AppDefinition,
  env: HttpEnv = loadConfig(HttpEnv),
  composition = compose(def),
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    composition.module,
    // ignoreTrailingSlash: the lecture's clients call GET /predict/ with the slash; Nest registers /predict.
    new FastifyAdapter({ bodyLimit: 5 * 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } }),
    // bodyParser: false: the JSON parser is ours (below), not the one Nest would add at init.
    { logger: logger(env, def.name), abortOnError: false, bodyParser: false },
  );
  // Bodies are JSON: Fastify's default text/plain parser would hand a string to the validation,
  // which then complains about fields. A body of any other media type gets 415, naming it.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err: unknown) {
      done(err as Error, undefined);
    }
  });
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const type = request.headers['content-type'] ?? 'none';
    done(new UnsupportedMediaTypeException(`${type} is not accepted: send the body as application/json`), undefined);
  });
  app.useGlobalPipes(createValidationPipe());
  setUpOpenApi(app, def);
  await app.init();
  return app;
}

export function setUpOpenApi(app: INestApplication, def: AppDefinition): void {
  const config = new DocumentBuilder()
    .setTitle(`nurt ${def.name}`)
    .setDescription(def.description ?? 'nurt: Kafka-driven microservices and ML model serving.')
    .setVersion('0.1.0')
    // The operator endpoints that change state (AdminGuard) take NURT_ADMIN_TOKEN as a bearer token.
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'NURT_ADMIN_TOKEN' })
    .build();
  const document = declareInputRules(SwaggerModule.createDocument(app, config));
  const perRequest = def.openApiDocument?.(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    ...(perRequest
      ? { patchDocumentOnRequest: (_req: unknown, _res: unknown, own: OpenAPIObject) => perRequest(own) }
      : {}),
  });
}

/**
 * SIGTERM/SIGINT: stop taking requests, let consumer groups finish the message in hand and commit,
 * run every module's shutdown hook, then exit 0. A signal repeated after a second exits at once;
 * one within the second is ignored, because Ctrl-C reaches both `npm start` (which forwards it)
 * and the app in the same instant.
 */
function stopOnSignals(app: INestApplication, log: Logger): void {
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 1000) return;
      log.warn(`${signal} again: exiting without waiting for shutdown`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    log.log(`${signal}: shutting down`);
    app.close().then(
      () => {
        log.log('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Listens, or says in one line that the port is taken. */
async function listen(app: NestFastifyApplication, env: HttpEnv): Promise<void> {
  try {
    await app.listen(env.PORT, env.HOST);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      await app.close().catch(() => undefined);
      throw new ConfigError([`PORT: ${env.HOST}:${env.PORT} is already in use; set PORT to a free port`]);
    }
    throw err;
  }
}

/** The whole of an app's main.ts: build, listen, and turn a bad config into one clear message and exit 1. */
export async function runApp(def: AppDefinition): Promise<void> {
  try {
    await def.prepare?.();
    const httpEnv = (): HttpEnv =>
      loadConfig(
        HttpEnv,
        def.defaultPort === undefined ? process.env : { PORT: String(def.defaultPort), ...process.env },
      );
    const composition = compose(def);
    // Every app has ObservabilityModule, and with it the admin guard's config.
    checkConfig([httpEnv, () => loadAdminEnv(), ...composition.config, ...(def.config ?? [])]);
    const env = httpEnv();
    const app = await createHttpApp(def, env, composition);
    const log = new Logger(def.name);
    stopOnSignals(app, log);
    await listen(app, env);
    log.log(summary(def, env, composition));
    // Consumer groups join only once the port is ours: a second process on a busy port fails above
    // without making the running one's groups rebalance, and a process restarted after a crash
    // answers HTTP (health, reads) at once, while its groups wait out the dead member's session.
    if (composition.projections.length > 0) await startProjections(app, composition.projections);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${def.name}: ${err.message}\n`);
    } else {
      process.stderr.write(
        `${def.name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
    process.exitCode = 1;
    // Open sockets (a half-connected Kafka client) would keep a failed process alive.
    setTimeout(() => process.exit(1), 100).unref();
  }
}
