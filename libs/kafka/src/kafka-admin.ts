import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { KafkaEnv } from './kafka.config.js';
import { KAFKA_CLIENT, KAFKA_ENV } from './kafka.constants.js';
import type { Admin, Kafka } from './kafkajs.js';
import { ensureReachable, isConnectionError } from './reachability.js';

/**
 * The process's one admin client, for what reads the cluster over and over (health, consumer lag,
 * the dashboard): connected once, and failing at once while no broker accepts a connection rather
 * than waiting out kafkajs' retries and logging each. A call that fails drops the client, so the
 * next one reconnects from scratch instead of reusing a broken socket.
 */
@Injectable()
export class KafkaAdmin implements OnApplicationShutdown {
  private connecting: Promise<Admin> | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_ENV) private readonly env: KafkaEnv,
  ) {}

  async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const connecting = (this.connecting ??= this.connect());
    try {
      return await work(await connecting);
    } catch (err: unknown) {
      // A broker's answer (an unknown topic, a coordinator moving) leaves the client as it is; a
      // lost connection drops it, only the one this call used (another may have replaced it).
      if (isConnectionError(err) && this.connecting === connecting) {
        this.connecting = null;
        await connecting.then((admin) => admin.disconnect()).catch(() => undefined);
      }
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = null;
    await connecting?.then((admin) => admin.disconnect()).catch(() => undefined);
  }

  private async connect(): Promise<Admin> {
    await ensureReachable(this.env.KAFKA_BROKERS);
    const admin = this.kafka.admin();
    await admin.connect();
    return admin;
  }
}
