// Type-checked by pack.test.ts inside a scratch project against the packed types
// (never compiled as part of this repository: `pushline` there is the tarball).
// Every `@ts-expect-error` proves the types are really loaded: were they `any`,
// the directive would be unused, which is itself an error.
export const CONSUMER_ESM = `
import { RealtimeClient, RealtimeError, HttpStatusError, type Options, type ClientState } from 'pushline';
import { RealtimeClient as WebSocketClient } from 'pushline/websocket';
import { RealtimeClient as SseClient } from 'pushline/sse';
import { RealtimeClient as LongPollClient } from 'pushline/long-poll';
import { RealtimeClient as WorkerPollClient } from 'pushline/worker-poll';

interface Chat { text: string }
const options: Options<Chat, Chat> = {
  parse: (data) => JSON.parse(String(data)) as Chat,
  serialize: (message) => JSON.stringify(message),
  heartbeat: { intervalMs: 15000 },
};
const client = new RealtimeClient<Chat, Chat>('/live', options);
client.on('message', (event) => {
  const text: string = event.data.text;
  void text;
});
client.on('error', ({ error }) => {
  if (error instanceof HttpStatusError) void error.status;
  const base: RealtimeError = error;
  void base;
});
const state: ClientState = client.state;
void state;
client.send({ text: 'hi' });
// @ts-expect-error send() takes what serialize takes
client.send(42);
for (const C of [WebSocketClient, SseClient, LongPollClient, WorkerPollClient]) new C('/x').close(1000);
`;

/** The same through require (a .cts file compiles its imports to require()). */
export const CONSUMER_CJS = `
import { RealtimeClient } from 'pushline';
import { RealtimeClient as WebSocketClient } from 'pushline/websocket';
import react = require('pushline/react');
const client: RealtimeClient<string> = new WebSocketClient<string>('ws://127.0.0.1:1/');
client.on('message', (event) => void event.data.toUpperCase());
// @ts-expect-error on() knows its event types
client.on('open', (event) => void event.data);
void react.useRealtime;
`;

/** pushline/react: hooks typed against the client of any entry. */
export const CONSUMER_REACT = `
import { useRealtime, useRealtimeMessages, useRealtimeWith, useRealtimeEvent } from 'pushline/react';
import { RealtimeClient as WebSocketClient } from 'pushline/websocket';

interface Chat { n: number; text: string }
export function useChat(): readonly Chat[] {
  const { client, state, readyState } = useRealtime<Chat, Chat>('/live', { parse: (data) => JSON.parse(String(data)) as Chat });
  const closed: boolean = state === 'closed' || readyState === 3;
  void closed;
  const last: Chat | undefined = useRealtimeMessages(client);
  void last;
  return useRealtimeMessages(client, (list: readonly Chat[], message) => [...list, message], []);
}
export function useTicker(): number {
  // a client from another entry: the same declared class shape, so the hooks accept it
  const { client } = useRealtimeWith(WebSocketClient<number>, '/ticks', { parse: Number });
  useRealtimeEvent(client, 'close', ({ willReconnect }) => void willReconnect);
  // @ts-expect-error the reducer gets the parsed message type
  useRealtimeMessages(client, (n: number, message: string) => n + message.length, 0);
  return useRealtimeMessages(client, (sum, value) => sum + value, 0);
}
`;

/** TypeScript's node10 resolution (moduleResolution: node) for an ES5 target, without skipLibCheck. */
export const CONSUMER_NODE10 = `
import { RealtimeClient } from 'pushline';
import { RealtimeClient as WebSocketClient } from 'pushline/websocket';
import { useRealtime } from 'pushline/react';
const a: RealtimeClient = new RealtimeClient('/live');
const b = new WebSocketClient<string>('ws://127.0.0.1:1/');
// @ts-expect-error readyState is a number
const s: string = b.readyState;
void a; void s; void useRealtime;
`;
