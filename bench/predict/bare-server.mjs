// The baseline for bench/predict: bare Fastify, same router options as the Nest apps, answering
// GET /predict/ with a constant body of the same shape. Whatever the monolith costs beyond this
// is Nest, validation, batching and the model.
import Fastify from 'fastify';

const body = { estimated_price: 782887.37, currency: 'PLN', model_version: 'v1' };
const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
app.get('/predict', async () => body);
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void app.close().then(() => process.exit(0)));
