// A baseline for the benches: bare Fastify with the Nest apps' router options, answering GET BENCH_ROUTE
// (a Fastify route pattern) with the constant JSON in BENCH_BODY. Whatever a service costs beyond
// this is Nest, validation, the database and the service's own work.
import Fastify from 'fastify';

const route = process.env.BENCH_ROUTE ?? '/';
const body = JSON.parse(process.env.BENCH_BODY ?? '{}');
const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
app.get(route, async () => body);
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void app.close().then(() => process.exit(0)));
