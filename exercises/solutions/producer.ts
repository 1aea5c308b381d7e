// A solution to exercises/producer.ts: keyed by store, every send awaited, then disconnected.
// npm run lab:check -- producer exercises/solutions/producer.ts
import { Kafka } from 'kafkajs';

const kafka = new Kafka({ clientId: 'lab-producer', brokers: ['localhost:9092'] });
const producer = kafka.producer();

const transactions = [
  { id: 'TX5001', amount: 1250.0, store: 'Warsaw', type: 'purchase' },
  { id: 'TX5002', amount: 89.99, store: 'Krakow', type: 'purchase' },
  { id: 'TX5003', amount: 40.0, store: 'Warsaw', type: 'refund' },
];

await producer.connect();
for (const transaction of transactions) {
  // The store as key: one store, one partition, so its transactions are read in this order.
  const [meta] = await producer.send({
    topic: 'transactions',
    messages: [{ key: transaction.store, value: JSON.stringify(transaction) }],
  });
  console.log(`Sent: ${transaction.id} to partition ${meta?.partition} at offset ${meta?.baseOffset}`);
}
await producer.disconnect();
