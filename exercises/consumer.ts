// Lab: a consumer in TypeScript (kafkajs). Fill in the TODOs, then check it:
//   npm run lab:check -- consumer exercises/consumer.ts
// The checker writes three transactions before it starts the program and three while it runs, and
// expects all six printed, each with its offset.
import { Kafka } from 'kafkajs';

interface Transaction {
  id: string;
  amount: number;
  store: string;
}

const kafka = new Kafka({ clientId: 'lab-consumer', brokers: ['localhost:9092'] });
const consumer = kafka.consumer({ groupId: 'lab-consumer' });

await consumer.connect();
// TODO 1: a new group starts at the end of the topic: make it read "transactions" from the beginning.
await consumer.subscribe({ topic: 'transactions' });
console.log('Listening for transactions...');
await consumer.run({
  eachMessage: async ({ message }) => {
    const t = JSON.parse(message.value?.toString() ?? 'null') as Transaction;
    // TODO 2: show where each record sits: its partition and offset.
    console.log(`${t.id}: ${t.amount} PLN (${t.store})`);
  },
});
