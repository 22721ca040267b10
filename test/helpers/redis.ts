// A real redis-server per test file: random loopback port, no persistence,
// stopped by its PID. Missing redis-server is an error, never a skip: these
// tests exist to prove claims about Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { findBinary, freePort } from './system.js';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM) and waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: persistence is off). */
  restart(): Promise<void>;
  /** Runs a command with redis-cli-free plain RESP over a socket. */
  command(...args: string[]): Promise<string>;
}



function launch(binary: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += String(chunk);
      if (out.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${out}`)));
    child.once('error', reject);
  });
}

/** Starts redis-server on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  const binary = findBinary('redis-server', 'REDIS_SERVER', '/usr/bin');
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(binary, port);
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
  let current = child;
  const stop = async (): Promise<void> => {
    if (current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    process.kill(current.pid!, 'SIGTERM');
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.pid!;
    },
    stop,
    async restart() {
      await stop();
      current = await launch(binary, port);
    },
    command: (...args) => resp(port, args),
  };
}

/** One command over a raw socket, so tests can poke Redis without the client under test. */
async function resp(port: number, args: string[]): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (d) => {
      reply += String(d);
      // enough for the simple replies the tests use (+OK, :n, $n bulk)
      if (/^[+\-:].*\r\n$/s.test(reply) || /^\$-1\r\n$/.test(reply) || /^\$\d+\r\n[\s\S]*\r\n$/.test(reply)) {
        socket.end();
        resolve(reply.replace(/^[+:]|\r\n$/g, '').replace(/^\$\d+\r\n/, ''));
      }
    });
    socket.on('error', reject);
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}
