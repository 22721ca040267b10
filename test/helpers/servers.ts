import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** An HTTP server on 127.0.0.1 that can be killed (every socket destroyed) and restarted on the same port. */
export interface TestServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly http: string;
  /** `ws://127.0.0.1:<port>` */
  readonly ws: string;
  readonly server: Server;
  /** WebSocket server attached to the same port (upgrade on any path). */
  readonly wss: WebSocketServer;
  /** Destroys every open socket at once (no close frame): what a crash looks like. */
  kill(): void;
  /** Stops listening and destroys every socket. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Starts an HTTP + WebSocket server on 127.0.0.1 with a random port. */
export async function startServer(handler: Handler = (_req, res) => res.writeHead(404).end()): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kill = (): void => {
    for (const socket of sockets) socket.destroy();
    for (const client of wss.clients) client.terminate();
  };
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      kill();
    });
  return {
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    server,
    wss,
    kill,
    stop,
    async start() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      wss.close();
      if (server.listening) await stop();
    },
  };
}

/** Resolves with the next WebSocket connection to `wss`. */
export const nextConnection = (wss: WebSocketServer): Promise<WebSocket> =>
  new Promise((resolve) => wss.once('connection', (ws) => resolve(ws)));

/** Resolves when `target` emits `type` (first event), with that event. */
export function once<T = Event>(target: EventTarget, type: string, predicate: (e: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const listener = (e: Event): void => {
      if (!predicate(e as T)) return;
      target.removeEventListener(type, listener);
      resolve(e as T);
    };
    target.addEventListener(type, listener);
  });
}
