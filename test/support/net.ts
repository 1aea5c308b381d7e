import { createConnection, createServer } from 'node:net';

export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port the OS says is free right now, for a server a test is about to start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port whose next `count` ports are all free, for a launcher that takes a base
 * (`NURT_SPLIT_BASE_PORT`). Drawn below Linux's ephemeral range (32768+), where client sockets
 * (Kafka, PostgreSQL, HTTP) would otherwise take one of them at any moment.
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = Array.from({ length: count }, (_, i) => base + 1 + i);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`no run of ${count} free ports found between 20001 and 32000`);
}

/**
 * A base port for `kafka.sh cluster-start` (KAFKA_CLUSTER_BASE_PORT or
 * KAFKA_SECURE_CLUSTER_BASE_PORT): node N listens on base + (N-1)*100, its controller one above,
 * and all six are free now. Drawn, like freePortRun, below the ephemeral range.
 */
export async function freeClusterBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 11_500);
    const ports = [0, 1, 100, 101, 200, 201].map((offset) => base + offset);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error('no free base port for a three-node cluster found between 20000 and 31701');
}
