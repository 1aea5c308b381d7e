import { Module } from '@nestjs/common';
import SwaggerParser from '@apidevtools/swagger-parser';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { CustomersModule, loadCustomersEnv } from '@nurt/customers';
import { DatabaseModule, loadDatabaseEnv } from '@nurt/database';
import { KafkaModule, loadKafkaEnv } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { createValidationPipe } from '@nurt/runtime';
import { tailTopic, type TailedRecord, type TopicTail } from '@nurt/kafka';
import { Topics } from '@nurt/contracts';
import { startGroupAtEnd } from './kafka.js';
import { runId } from './wait.js';

/** The customers service as apps/customers composes it, on a given database, listening on a free port. */
export async function startCustomersApp(
  database: { DATABASE_URL: string } | { PGLITE_DIR: string },
  customersEnv: Record<string, string> = {},
  kafkaEnv: Record<string, string> = {},
): Promise<{ app: NestFastifyApplication; url: string }> {
  @Module({
    imports: [
      ObservabilityModule.forRoot({ app: 'customers' }),
      KafkaModule.forRoot({ clientId: 'customers-test', env: loadKafkaEnv({ ...process.env, ...kafkaEnv }) }),
      DatabaseModule.forRoot({ app: 'customers', env: loadDatabaseEnv(database) }),
      CustomersModule.forRoot({ env: loadCustomersEnv(customersEnv) }),
    ],
  })
  class CustomersTestModule {}
  // Built as runtime's createHttpApp builds it, minus Swagger UI (its static files cannot load under
  // jest's ESM VM): same adapter options, same validation. The e2e of the built app covers /docs.
  const app = await NestFactory.create<NestFastifyApplication>(
    CustomersTestModule,
    new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } }),
    { logger: ['error', 'warn'] },
  );
  app.useGlobalPipes(createValidationPipe());
  await app.init();
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** Every record produced to the `customers` topic from now on, as they arrive. */
export async function watchCustomersTopic(): Promise<{ records: TailedRecord[]; tail: TopicTail }> {
  const groupId = `customers-watch-${runId()}`;
  await startGroupAtEnd(groupId, Topics.Customers);
  const records: TailedRecord[] = [];
  const tail = await tailTopic(loadKafkaEnv(process.env), {
    topic: Topics.Customers,
    groupId,
    onRecord: (r) => {
      records.push(r);
    },
  });
  return { records, tail };
}

export function jsonValue(record: TailedRecord): unknown {
  return record.value === null ? null : JSON.parse(record.value.toString());
}

/** The OpenAPI document the app serves at /docs-json. */
export function openApiDocument(app: NestFastifyApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('nurt customers').setVersion('0.1.0').build(),
  );
}

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown; example?: unknown }> }> }>
  >;
  components: { schemas: Record<string, unknown> };
}

/** Passes a standard validator, and every customers operation documents its success and error bodies with examples. */
export async function expectCustomersOpenApi(document: unknown): Promise<void> {
  const doc = document as OpenApiDoc;
  expect(doc.openapi).toMatch(/^3\./);
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  const expected: Record<string, Record<string, string[]>> = {
    '/customers': { get: ['200', '400'], post: ['201', '400', '409'] },
    '/customers/{id}': { get: ['200', '400', '404'], put: ['200', '400', '404', '409'], delete: ['204', '400', '404'] },
  };
  for (const [path, methods] of Object.entries(expected)) {
    for (const [method, statuses] of Object.entries(methods)) {
      const op = doc.paths[path]?.[method];
      expect([path, method, op && Object.keys(op.responses).sort()]).toEqual([path, method, statuses]);
      for (const status of statuses.filter((s) => s !== '204')) {
        const content = op?.responses[status]?.content?.['application/json'];
        expect([path, method, status, content?.schema !== undefined, content?.example !== undefined]).toEqual([
          path,
          method,
          status,
          true,
          true,
        ]);
      }
    }
  }
  expect(Object.keys(doc.components.schemas)).toEqual(
    expect.arrayContaining(['Customer', 'CustomerInput', 'CustomerPage', 'ValidationError', 'Error']),
  );
}
