// A hub in a child process (a fixture on the built package), driven over IPC:
// publishes, SIGKILL and a restart on the same ports. What its `message` handler
// saw comes back as JSON lines on stdout, written synchronously by the child, so
// nothing it handled before a SIGKILL goes missing.
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One send as a hub process's `message` handler saw it. */
export interface Handled {
  /** The process's name. */
  node: string;
  /** The listener port it arrived on. */
  port: number;
  sessionId: string;
  seq: number;
  data: string;
  transport: string;
}


/** One hub process; survives being killed and started again on the same ports. */
export class HubProcess {
  child: ChildProcess | undefined;
  up = false;
  stderr = '';
  private n = 0;
  private pending = new Map<number, { resolve: (id: string) => void; reject: (e: Error) => void }>();

  constructor(
    readonly name: string,
    readonly ports: readonly number[],
    private readonly fixture: string,
    private readonly env: Record<string, string>,
    /** Every handled send of every run of this process is appended here. */
    readonly handled: Handled[],
  ) {}

  async start(): Promise<void> {
    const child = fork(this.fixture, [], {
      env: { ...process.env, ...this.env, NODE_NAME: this.name, PORTS: this.ports.join(',') },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stderr!.on('data', (d) => (this.stderr += String(d)));
    child.on('message', (m: { n: number; id?: string; error?: string }) => {
      const p = this.pending.get(m.n);
      this.pending.delete(m.n);
      if (m.id) p?.resolve(m.id);
      else p?.reject(new Error(`${this.name}: request ${m.n} failed: ${m.error}`));
    });
    child.once('exit', (code, signal) => {
      this.up = false;
      for (const p of this.pending.values()) p.reject(new Error(`${this.name} exited (${code ?? signal})`));
      this.pending.clear();
    });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${code ?? signal}) before ready: ${this.stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = JSON.parse(line) as { type: string } & Handled;
        if (m.type === 'ready') resolve();
        else if (m.type === 'message') this.handled.push({ node: m.node, port: m.port, sessionId: m.sessionId, seq: m.seq, data: m.data, transport: m.transport });
      });
    });
    this.up = true;
  }

  private request(message: Record<string, unknown>): Promise<string> {
    return new Promise((resolve, reject) => {
      const n = ++this.n;
      this.pending.set(n, { resolve, reject });
      this.child!.send({ n, ...message });
    });
  }

  /** `hub.publish(data)` in the child; resolves with the id. */
  publish(data: string): Promise<string> {
    return this.request({ data });
  }

  /** Destroys every socket of the listener on `port`, stops listening for `ms`, then listens again. */
  outage(port: number, ms: number): Promise<string> {
    return this.request({ outage: port, ms });
  }

  /** SIGKILL: no cleanup of any kind, in-flight connections die with it. */
  async kill(): Promise<void> {
    this.up = false;
    const child = this.child!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child) await this.kill();
  }
}
