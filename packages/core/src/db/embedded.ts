import { createServer, type Server, type Socket } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { logger } from "../log";
import { EMBEDDED_APPLICATION_NAME } from "./pool";

const SSL_REQUEST_CODE = 80877103;
const CANCEL_REQUEST_CODE = 80877102;
const GSSENC_REQUEST_CODE = 80877104;

export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg` on 127.0.0.1. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory for the database files, or in memory when omitted. */
  dataDir?: string;
  /** TCP port on 127.0.0.1, where 0 picks a free one. */
  port?: number;
}

/**
 * Serializes access to the single PGlite session at transaction granularity,
 * the way a transaction pooler does: a connection owns the session from its
 * first message until a Sync or simple Query leaves no transaction open.
 */
class SessionLock {
  private owner: number | undefined;
  private waiters: Array<{ id: number; resume: () => void }> = [];

  async acquire(id: number): Promise<void> {
    if (this.owner === id) return;
    if (this.owner === undefined) {
      this.owner = id;
      return;
    }
    await new Promise<void>((resume) => this.waiters.push({ id, resume }));
  }

  release(id: number): void {
    if (this.owner !== id) return;
    const next = this.waiters.shift();
    this.owner = next?.id;
    next?.resume();
  }

  drop(id: number): void {
    this.waiters = this.waiters.filter((waiter) => waiter.id !== id);
    this.release(id);
  }
}

/**
 * Starts PGlite and serves it over the PostgreSQL wire protocol on
 * 127.0.0.1, so that every client, in this process or another, uses the same
 * `pg` code path as a real server. Clients may hold several connections, and their
 * transactions run one at a time.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir ?? "memory://");
  const lock = new SessionLock();
  const state = { closed: false };
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveConnection(db, lock, state, socket, nextConnectionId++);
  });
  const port = await listen(server, options.port ?? 0);

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?application_name=${EMBEDDED_APPLICATION_NAME}`,
    port,
    async close() {
      state.closed = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("embedded Postgres has no TCP address"));
        return;
      }
      resolve(address.port);
    });
  });
}

function serveConnection(
  db: PGlite,
  lock: SessionLock,
  state: { closed: boolean },
  socket: Socket,
  id: number,
): void {
  let buffer = Buffer.alloc(0);
  let started = false;
  let chain = Promise.resolve();
  socket.setNoDelay(true);

  const run = async (message: Uint8Array, endsGroup: boolean) => {
    await lock.acquire(id);
    if (state.closed) throw new Error("embedded Postgres is closed");
    await db.runExclusive(() =>
      db.execProtocolRawStream(message, {
        onRawData: (chunk) => {
          if (socket.writable) socket.write(chunk);
        },
      }),
    );
    if (endsGroup && !db.isInTransaction()) lock.release(id);
  };

  // Runs at the end of this connection's chain, after its last message.
  const closeConnection = async () => {
    if (state.closed) return;
    await lock.acquire(id);
    try {
      if (db.isInTransaction()) await db.exec("ROLLBACK");
    } finally {
      lock.drop(id);
    }
  };

  socket.on("data", (data) => {
    buffer = Buffer.concat([buffer, data]);
    for (;;) {
      const frame = nextFrame(buffer, started);
      if (frame === undefined) break;
      buffer = buffer.subarray(frame.length);
      const message = new Uint8Array(frame.bytes);

      if (!started) {
        const code = frame.bytes.readInt32BE(4);
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
          socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST_CODE) {
          socket.end();
          return;
        }
        started = true;
        chain = chain.then(() => run(message, true));
        continue;
      }

      const type = String.fromCharCode(frame.bytes[0]!);
      if (type === "X") {
        socket.end();
        return;
      }
      chain = chain.then(() => run(message, type === "S" || type === "Q"));
    }
    chain = chain.catch((error: unknown) => {
      logger.error({ err: error, connection: id }, "embedded Postgres failed");
      socket.destroy();
    });
  });

  socket.on("close", () => {
    chain = chain
      .then(closeConnection, closeConnection)
      .catch((error: unknown) => {
        logger.error(
          { err: error, connection: id },
          "closing embedded Postgres connection failed",
        );
      });
  });
  socket.on("error", () => socket.destroy());
}

/** Cuts one protocol message off the front of `buffer`, if it is complete. */
function nextFrame(
  buffer: Buffer,
  started: boolean,
): { bytes: Buffer; length: number } | undefined {
  if (!started) {
    if (buffer.length < 8) return undefined;
    const length = buffer.readInt32BE(0);
    if (buffer.length < length) return undefined;
    return { bytes: Buffer.from(buffer.subarray(0, length)), length };
  }
  if (buffer.length < 5) return undefined;
  const length = 1 + buffer.readInt32BE(1);
  if (buffer.length < length) return undefined;
  return { bytes: Buffer.from(buffer.subarray(0, length)), length };
}
