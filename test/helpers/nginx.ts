// A real nginx (Debian's /usr/sbin/nginx) per test file: its own prefix and
// config in a temp dir, logs there too, listening on a random free loopback
// port, in the foreground, stopped by its PID. Missing nginx is an error, never
// a skip: these tests exist to prove claims about a real reverse proxy.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, freePort } from './system.js';

export interface Nginx {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly http: string;
  readonly pid: number;
  /** The temp prefix: config, logs, pid file. */
  readonly dir: string;
  /** The access log so far, one line per request (format set by the config). */
  accessLog(): string[];
  errorLog(): string;
  /** SIGTERM to the master's PID, waits for it to exit, removes the temp dir. */
  stop(): Promise<void>;
}


const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/**
 * Starts nginx with the `http { }` block built by `http(port, dir)` (the server
 * must listen on `127.0.0.1:<port>`; `dir` is the prefix, for log paths).
 * Temp paths are set inside the prefix; access_log and error_log go there too.
 */
export async function startNginx(http: (port: number, dir: string) => string): Promise<Nginx> {
  const binary = findBinary('nginx', 'NGINX', '/usr/sbin');
  const dir = mkdtempSync(join(tmpdir(), 'pushline-nginx-'));
  // workers run as nobody when the master is root: they must reach the prefix
  chmodSync(dir, 0o755);
  const errorLog = join(dir, 'error.log');
  const pidFile = join(dir, 'nginx.pid');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1;
events { worker_connections 512; }
http {
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${http(port, dir)}
}
`,
    );
    const child: ChildProcess = spawn(binary, ['-p', dir, '-c', conf, '-e', errorLog, '-g', `daemon off; pid ${pidFile};`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let up = false;
    while (!up && child.exitCode === null && child.signalCode === null) {
      up = await canConnect(port);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const log = (): string => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
    if (!up) {
      await exited;
      // a port taken between the probe and nginx's bind: another one
      if (/Address already in use/.test(output + log()) && attempt < 4) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx exited before listening:\n${output}\n${log()}`);
    }
    const pid = child.pid!;
    return {
      port,
      http: `http://127.0.0.1:${port}`,
      pid,
      dir,
      accessLog: () => {
        const file = join(dir, 'access.log');
        return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
      },
      errorLog: log,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          // fast shutdown of the master (and its worker), by its PID
          process.kill(pid, 'SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
