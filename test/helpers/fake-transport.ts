import { ClientCore, type Registry } from '../../src/client/client.js';
import type { Options } from '../../src/policy/options.js';
import type { Transport, TransportContext, TransportFactory } from '../../src/transport.js';
import type { CloseInfo, SendData, TransportName, UrlInput } from '../../src/types.js';

/** A scripted transport: the test decides when it opens, what arrives and how it ends. */
export class FakeTransport implements Transport {
  readyState = 0;
  bufferedAmount = 0;
  protocol = '';
  extensions = '';
  binaryType: BinaryType = 'blob';
  sent: SendData[] = [];
  seqs: Array<number | undefined> = [];
  pings = 0;
  closedWith: [number | undefined, string | undefined] | undefined;
  listened: string[] = [];
  /** For HTTP-like fakes: resolve/reject each send by hand. */
  pending: Array<{ data: SendData; seq: number | undefined; signal: AbortSignal | undefined; resolve(): void; reject(e: unknown): void }> = [];
  ping?: () => void;

  constructor(readonly ctx: TransportContext, readonly duplex: boolean, readonly name: TransportName) {
    this.listened = [...ctx.listened];
    if (duplex) this.ping = () => void this.pings++;
  }

  open(): void {
    this.readyState = 1;
    this.ctx.sink.open();
  }
  receive(data: unknown, type = 'message', id?: string): void {
    this.ctx.sink.message(type, data, id);
  }
  end(info: Partial<CloseInfo> = {}): void {
    this.readyState = 3;
    this.ctx.sink.close({ code: 1006, reason: '', wasClean: false, ...info });
  }
  send(data: SendData, seq: number | undefined, signal: AbortSignal | undefined): void | Promise<void> {
    this.seqs.push(seq);
    if (this.duplex) {
      this.sent.push(data);
      return;
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ data, seq, signal, resolve, reject });
      signal?.addEventListener('abort', () => reject(signal.reason));
    });
  }
  close(code?: number, reason?: string): void {
    if (this.closedWith) return;
    this.closedWith = [code, reason];
    if (this.readyState !== 3) {
      this.readyState = 3;
      // like a browser: the close event comes later, not from inside close()
      queueMicrotask(() => this.ctx.sink.close({ code: code ?? 1005, reason: reason ?? '', wasClean: true }));
    }
  }
  listen(type: string): void {
    this.listened.push(type);
  }
}

/** A factory whose transports the test can reach. */
export function fakeFactory(name: TransportName, duplex = true): TransportFactory & { made: FakeTransport[]; last(): FakeTransport } {
  const made: FakeTransport[] = [];
  return {
    name,
    scheme: duplex ? 'ws' : 'http',
    made,
    last() {
      const t = made.at(-1);
      if (!t) throw new Error(`no ${name} transport was created`);
      return t;
    },
    create(ctx) {
      const t = new FakeTransport(ctx, duplex, name);
      made.push(t);
      return t;
    },
  };
}

/** A client over fake transports. */
export class TestClient<In = unknown, Out = SendData> extends ClientCore<In, Out, TransportName> {
  constructor(url: UrlInput, options: Options<In, Out>, registry: Registry) {
    super(url, options, registry);
  }
}

/** Every event of the given types, in order, as `type` or `type:detail`. */
export function record(target: EventTarget, types: string[], detail?: (e: Event) => string): string[] {
  const log: string[] = [];
  for (const type of types) target.addEventListener(type, (e) => log.push(detail ? `${type}:${detail(e)}` : type));
  return log;
}
