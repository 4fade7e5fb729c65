import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../common/errors/problem-details.filter';
import { appConfig, type AppConfig } from '../config/app.config';

/** A connection for reads that stream (an export); release it once, destroying it if cut short. */
export interface ReadConnection {
  client: PoolClient;
  /** `primary` or the replica's host:port. */
  source: string;
  release(destroy?: boolean): void;
  /** Cancels whatever the connection's server process is running (from another connection). */
  cancel(): Promise<void>;
}

export type ReplicaState = 'unknown' | 'up' | 'lagging' | 'down';

export interface ReplicaStatus {
  name: string;
  state: ReplicaState;
  lag_s: number | null;
}

interface Replica extends ReplicaStatus {
  pool: Pool;
}

/** How often each replica's reachability and lag are measured. */
const CHECK_INTERVAL_MS = 1000;

/**
 * Zero while the standby has replayed everything it received and is still receiving; else the
 * age of the last transaction it replayed. (A standby whose WAL receiver stopped has received
 * nothing new, so "everything replayed" alone would call it current.)
 */
const LAG_SQL = `SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
      AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
  END::float8 AS lag_s`;

/** SQLSTATE 40001 on a standby: a query cancelled because recovery needed what it read. */
const isRecoveryConflict = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '40001';

/** A replica's address without its credentials, for logs and the health document. */
function replicaName(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'replica';
  }
}

function connection(client: PoolClient, source: string, pool: Pool): ReadConnection {
  const pid = (client as PoolClient & { processID?: number }).processID;
  return {
    client,
    source,
    release: (destroy) => client.release(destroy),
    cancel: async () => {
      await pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
    },
  };
}

/**
 * Routes reads that may be a little stale (lists, search, export, history) to PostgreSQL
 * streaming replicas, round-robin among those that answer and lag at most REPLICA_MAX_LAG_S;
 * with none such, or without DATABASE_REPLICA_URLS, to the primary. A replica that fails a query
 * for being unreachable is marked down at once and the query is repeated on the primary, so a
 * replica going away costs no failed request. Writes never come here.
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReadReplicas');
  private readonly replicas: Replica[];
  private next = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    @InjectDataSource() private readonly primary: DataSource,
  ) {
    this.replicas = config.DATABASE_REPLICA_URLS.map((url) => {
      const pool = new Pool({
        connectionString: url,
        max: config.DB_POOL_SIZE,
        connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
        idleTimeoutMillis: 30_000,
        statement_timeout: config.DB_STATEMENT_TIMEOUT_MS || undefined,
        application_name: 'order-service',
      });
      const replica: Replica = { name: replicaName(url), state: 'unknown', lag_s: null, pool };
      // An idle connection dropped by a stopping server must not become an uncaught error.
      pool.on('error', () => this.mark(replica, 'down', null));
      return replica;
    });
  }

  onModuleInit(): void {
    if (this.replicas.length === 0) return;
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.replicas.map((r) => r.pool.end().catch(() => undefined)));
  }

  status(): ReplicaStatus[] {
    return this.replicas.map(({ name, state, lag_s }) => ({ name, state, lag_s }));
  }

  /** Runs one read statement on a current replica, or on the primary. */
  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const replica = this.pick();
    if (replica) {
      try {
        return (await replica.pool.query(sql, params)).rows as T[];
      } catch (error) {
        if (!this.isReplicaFault(replica, error)) throw error;
      }
    }
    return this.primary.query<T[]>(sql, params);
  }

  /** A dedicated connection for a streamed read, from a current replica or the primary. */
  async connect(): Promise<ReadConnection> {
    const replica = this.pick();
    if (replica) {
      try {
        const client = await replica.pool.connect();
        return connection(client, replica.name, replica.pool);
      } catch (error) {
        if (!this.isReplicaFault(replica, error)) throw error;
      }
    }
    const pool = (this.primary.driver as unknown as { master: Pool }).master;
    return connection(await pool.connect(), 'primary', pool);
  }

  private pick(): Replica | undefined {
    const usable = this.replicas.filter((r) => r.state === 'up');
    if (usable.length === 0) return undefined;
    this.next = (this.next + 1) % usable.length;
    return usable[this.next];
  }

  private isReplicaFault(replica: Replica, error: unknown): boolean {
    if (isRecoveryConflict(error)) return true;
    if (!isDatabaseUnavailable(error)) return false;
    this.mark(replica, 'down', null);
    return true;
  }

  private async checkAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.check(r)));
  }

  private async check(replica: Replica): Promise<void> {
    const timeout = this.config.HEALTH_DB_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const measured = replica.pool.query<{ lag_s: number | null }>(LAG_SQL);
      const expired = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error('lag check timed out')), timeout);
      });
      const { rows } = await Promise.race([measured, expired]);
      const lag = rows[0].lag_s;
      const current = lag !== null && lag <= this.config.REPLICA_MAX_LAG_S;
      this.mark(replica, current ? 'up' : 'lagging', lag);
    } catch {
      this.mark(replica, 'down', null);
    } finally {
      clearTimeout(timer);
    }
  }

  private mark(replica: Replica, state: ReplicaState, lag: number | null): void {
    if (replica.state !== state) {
      const log = state === 'up' ? 'log' : 'warn';
      this.logger[log](`Replica ${replica.name} is ${state}${lag === null ? '' : ` (${lag}s)`}`);
    }
    replica.state = state;
    replica.lag_s = lag === null ? null : Math.round(lag * 1000) / 1000;
  }
}
