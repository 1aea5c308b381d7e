// Lab: a producer in TypeScript (kafkajs). Fill in the TODOs, then check it:
//   npm run lab:check -- producer exercises/producer.ts
// The checker runs it against the local broker on a private topic and says what is right and wrong.
import { Kafka } from 'kafkajs';

const kafka = new Kafka({ clientId: 'lab-producer', brokers: ['localhost:9092'] });
const producer = kafka.producer();

const transaction = { id: 'TX5001', amount: 1250.0, store: 'Warsaw', type: 'purchase' };

await producer.connect();
// TODO: send `transaction` to the "transactions" topic as JSON text, keyed by its store, wait for
//       the broker's answer, and print the partition and offset it gives.
console.log(`Sent: ${JSON.stringify(transaction)}`);
await producer.disconnect();
