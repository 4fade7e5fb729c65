import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { testServerUrl } from './database';

/**
 * A TCP relay in front of the real PostgreSQL. Closing it (and its open sockets) makes the
 * database unreachable for the app for real: pooled connections die, new ones are refused.
 */
export class DatabaseProxy {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A relay to this run's PostgreSQL server (TEST_DATABASE_URL), not open yet. */
  static toTestServer(): DatabaseProxy {
    const server = new URL(testServerUrl());
    return new DatabaseProxy(server.hostname, Number(server.port || 5432));
  }

  async open(port = 0): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => ok());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((ok) => server.close(() => ok()));
  }

  /**
   * Takes a free port and lets it go again: URLs routed through it refuse connections (the
   * database unreachable) until `open(this.port)` brings it back at the same address.
   */
  async reserve(): Promise<void> {
    await this.open();
    await this.close();
  }

  /** The same database URL, but through this proxy. */
  route(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }
}
