// A baseline for the benches: bare Fastify with the Nest apps' router options, answering BENCH_METHOD
// (default GET) BENCH_ROUTE (a Fastify route pattern) with the constant JSON in BENCH_BODY and the
// status BENCH_STATUS (default 200). A POST route parses its JSON body like the apps do (and drops
// it); for a route that is not GET, GET /health/ready answers 200 so the benches know it is up.
// Whatever a service costs beyond this is Nest, validation, the database and the service's own work.
import Fastify from 'fastify';

const route = process.env.BENCH_ROUTE ?? '/';
const method = (process.env.BENCH_METHOD ?? 'GET').toUpperCase();
const status = Number(process.env.BENCH_STATUS ?? 200);
const body = JSON.parse(process.env.BENCH_BODY ?? '{}');
const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
if (method === 'GET' && status === 200) {
  app.get(route, async () => body);
} else {
  app.route({
    method,
    url: route,
    handler: async (_request, reply) => {
      reply.code(status);
      return body;
    },
  });
  if (method !== 'GET') app.get('/health/ready', async () => ({ status: 'ok' }));
}
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void app.close().then(() => process.exit(0)));
