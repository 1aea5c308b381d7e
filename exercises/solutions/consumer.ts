// A solution to exercises/consumer.ts: from the beginning, each record with its partition and offset.
// npm run lab:check -- consumer exercises/solutions/consumer.ts
import { Kafka } from 'kafkajs';

interface Transaction {
  id: string;
  amount: number;
  store: string;
}

const kafka = new Kafka({ clientId: 'lab-consumer', brokers: ['localhost:9092'] });
const consumer = kafka.consumer({ groupId: 'lab-consumer' });

await consumer.connect();
await consumer.subscribe({ topic: 'transactions', fromBeginning: true });
console.log('Listening for transactions...');
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    let line: string;
    try {
      const t = JSON.parse(message.value?.toString() ?? 'null') as Transaction;
      line = `${t.id}: ${t.amount} PLN (${t.store})`;
    } catch (err: unknown) {
      line = `skipped, not JSON: ${(err as Error).message}`;
    }
    console.log(`[partition=${partition} offset=${message.offset}] ${line}`);
  },
});
