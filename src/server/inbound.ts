// One client send, from any transport, to the app's `message` listeners: exactly
// once per (sessionId, seq) across every process sharing the log. The claim is
// made before the listeners run, so two connections of one session (an old one
// not yet noticed dead, and its replacement) can never both process a send.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SessionStore } from './log.js';

/** Which kind of connection a client send came over. */
export type SendTransport = 'websocket' | 'http';

/** What `hub.on('message')` listeners get. */
export interface MessageEvent {
  /** The client's `sessionId` query parameter; `undefined` when it sent none. */
  readonly sessionId: string | undefined;
  /** The send's sequence number in its session; `undefined` for sends without one (plain WebSocket, plain POST). */
  readonly seq: number | undefined;
  /** Text, or bytes for binary sends. */
  readonly data: string | Buffer;
  readonly transport: SendTransport;
  /** The connection (WebSocket) or request (POST) it came over; unique within this process. */
  readonly connectionId: string;
  /** The HTTP request: the WebSocket handshake, or the POST. */
  readonly req: IncomingMessage;
}

const SESSION = /^[\x21-\x7e]{1,128}$/;

/** A session id the hub accepts: 1-128 printable ASCII characters, no spaces. */
export const validSessionId = (id: string): boolean => SESSION.test(id);

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** A `message` listener threw or rejected: the send is not acknowledged, and its claim was released. */
export class ListenerFailed extends Error {
  constructor() {
    super('a message listener failed');
    this.name = 'ListenerFailed';
  }
}

/**
 * Returns `receive(message)`: claims the send, runs the listeners when it is
 * fresh (awaiting what they return), and resolves with the cumulative ack for
 * the session (`undefined` without a seq). Rejects, with nothing acknowledged,
 * when the dedupe state cannot be reached, or with {@link ListenerFailed} when
 * a listener failed: its claim is released first, so the client's retransmit
 * runs the listeners again (a listener throws to ask for exactly that).
 */
export function createReceiver(sessions: SessionStore, dispatch: (message: MessageEvent) => boolean | Promise<boolean>) {
  return async function receive(message: MessageEvent): Promise<number | undefined> {
    if (message.seq === undefined || message.sessionId === undefined) {
      if (!(await dispatch(message))) throw new ListenerFailed();
      return undefined;
    }
    // the same token on a retry: a claim that landed but whose reply was lost is still ours
    const token = randomBytes(9).toString('base64url');
    let claim;
    for (let attempt = 0; !claim; attempt++) {
      try {
        claim = await sessions.claim(message.sessionId, message.seq, token);
      } catch (error) {
        if (attempt >= 2) throw error;
        await delay(50 * 4 ** attempt);
      }
    }
    if (claim.fresh && !(await dispatch(message))) {
      await sessions.release(message.sessionId, message.seq, token);
      throw new ListenerFailed();
    }
    return claim.last;
  };
}
