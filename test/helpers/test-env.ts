/**
 * Where integration tests find the test environment: the Docker engine, nats-server and WASM fixtures
 * that scripts/provision-test-env.sh provisions and describes in `.test-env/env.json`.
 *
 * When a component is missing, a test that requires it is skipped with the reason, except when it
 * must not be: under CI (`CI=true`), or when scripts/test.sh reported the environment as fully
 * provisioned (`BACALHAU_TS_TEST_ENV=provisioned`); then it fails with the reason instead.
 *
 * ```ts
 * it('runs a container', async (ctx) => {
 *   const docker = requireDocker(ctx);
 *   // docker.image, docker.socketPath, ...
 * });
 *
 * describeWithEnv('nats transport', natsEnv(), (nats) => {
 *   it('connects', async () => { ... nats.url ... });
 * });
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WASI } from 'node:wasi';
import { describe, it } from 'vitest';

/** Repository root (this file is test/helpers/test-env.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The state file written by scripts/provision-test-env.sh; `BACALHAU_TS_TEST_ENV_FILE` overrides it. */
export function envFilePath(): string {
  return process.env['BACALHAU_TS_TEST_ENV_FILE'] ?? join(REPO_ROOT, '.test-env', 'env.json');
}

export interface DockerEnv {
  /** Docker endpoint, e.g. `unix:///var/run/docker.sock`. */
  host: string;
  /** Unix socket path when `host` is a unix socket (what dockerode's `socketPath` wants). */
  socketPath: string | null;
  /** The docker CLI to run (may be a newer client than the engine; it negotiates the API version). */
  cli: string;
  /** A small local image with busybox applets (`sh`, `echo`, `cat`, `sleep`, `env`, ...). */
  image: string;
  serverVersion: string;
  apiVersion: string;
}

export interface NatsEnv {
  /** e.g. `nats://127.0.0.1:4222` */
  url: string;
  host: string;
  port: number;
  jetstream: true;
  /** HTTP monitoring endpoint (`/varz`, `/jsz`), or null if its port was taken. */
  monitorUrl: string | null;
  serverVersion: string;
}

export interface WasmEnv {
  /** Absolute path of the directory holding `<name>.wasm`. */
  dir: string;
  /** Module names available, without `.wasm` (hello, cat, env, exit_code, stderr, noop, write_file, spin). */
  modules: string[];
}

export interface ShellsEnv {
  /** Absolute paths of the shells the completion scripts are checked in. */
  fish: string;
  zsh: string;
}

type Component<T> =
  | ({ available: true } & T)
  | { available: false; status: 'missing' | 'failed'; reason: string; hint: string };

/** The parsed `.test-env/env.json`. */
export interface TestEnvFile {
  version: 1;
  stateDir: string;
  docker: Component<DockerEnv>;
  nats: Component<NatsEnv>;
  wasm: Component<WasmEnv>;
  /** Absent from env.json files written before it was provisioned: then missing. */
  shells?: Component<ShellsEnv>;
}

export type Availability<T> = { available: true; value: T } | { available: false; reason: string };

let cached: { ok: true; env: TestEnvFile } | { ok: false; reason: string } | undefined;

/** The environment as provisioned, or why there is none. Read once per test file. */
export function testEnv(): { ok: true; env: TestEnvFile } | { ok: false; reason: string } {
  if (cached) return cached;
  const path = envFilePath();
  if (!existsSync(path)) {
    cached = {
      ok: false,
      reason:
        `test environment not provisioned: ${path} does not exist ` +
        '(run `npm test`, or `bash scripts/provision-test-env.sh` as root on Debian)',
    };
    return cached;
  }
  try {
    const env = JSON.parse(readFileSync(path, 'utf8')) as TestEnvFile;
    if (env.version !== 1) throw new Error(`unsupported version ${String(env.version)}`);
    cached = { ok: true, env };
  } catch (err) {
    cached = { ok: false, reason: `cannot read ${path}: ${(err as Error).message}` };
  }
  return cached;
}

/** Forget the cached env.json (for tests of this helper). */
export function resetTestEnvCache(): void {
  cached = undefined;
}

function component<K extends 'docker' | 'nats' | 'wasm' | 'shells'>(
  key: K,
): Availability<Extract<TestEnvFile[K], { available: true }>> {
  const state = testEnv();
  if (!state.ok) return { available: false, reason: withContext(state.reason) };
  const c = state.env[key];
  if (c === undefined) {
    return {
      available: false,
      reason: withContext(`${key} not provisioned: rerun scripts/provision-test-env.sh`),
    };
  }
  if (c.available) return { available: true, value: c as Extract<TestEnvFile[K], { available: true }> };
  return { available: false, reason: withContext(`${key} ${c.status}: ${c.reason} (to fix: ${c.hint})`) };
}

function withContext(reason: string): string {
  const why = process.env['BACALHAU_TS_TEST_ENV_REASON'];
  return why && !reason.includes(why) ? `${reason}; ${why}` : reason;
}

function strip<T extends { available: true }>(value: T): Omit<T, 'available'> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'available')) as Omit<
    T,
    'available'
  >;
}

/** The Docker engine and image, if provisioned (the socket must still exist). */
export function dockerEnv(): Availability<DockerEnv> {
  const c = component('docker');
  if (!c.available) return c;
  const value = strip(c.value);
  if (value.socketPath !== null && !existsSync(value.socketPath)) {
    return {
      available: false,
      reason: `docker socket ${value.socketPath} is gone (dockerd stopped?): rerun scripts/provision-test-env.sh`,
    };
  }
  return { available: true, value };
}

/** The nats-server with JetStream, if provisioned. */
export function natsEnv(): Availability<NatsEnv> {
  const c = component('nats');
  return c.available ? { available: true, value: strip(c.value) } : c;
}

/** The WASM fixture directory, if provisioned. */
export function wasmEnv(): Availability<WasmEnv> {
  const c = component('wasm');
  return c.available ? { available: true, value: strip(c.value) } : c;
}

/** fish and zsh, if provisioned. */
export function shellsEnv(): Availability<ShellsEnv> {
  const c = component('shells');
  return c.available ? { available: true, value: strip(c.value) } : c;
}

/** The absolute path of `<name>.wasm` (name without extension), if it was built. */
export function wasmModule(name: string): Availability<string> {
  const w = wasmEnv();
  if (!w.available) return w;
  const path = join(w.value.dir, `${name}.wasm`);
  if (!existsSync(path)) {
    const known = w.value.modules.join(', ');
    return {
      available: false,
      reason: `WASM module ${name}.wasm not found in ${w.value.dir} (built: ${known}); is test/fixtures/wasm/src/${name}.c or .wat there?`,
    };
  }
  return { available: true, value: path };
}

/**
 * What happens to a test whose environment is missing: 'fail' under CI or when scripts/test.sh
 * provisioned everything (so a missing piece is a bug), 'skip' otherwise.
 */
export function missingPolicy(): 'skip' | 'fail' {
  const ci = process.env['CI'];
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return 'fail';
  if (process.env['BACALHAU_TS_TEST_ENV'] === 'provisioned') return 'fail';
  return 'skip';
}

/** The subset of vitest's TestContext these helpers use. */
export interface SkipContext {
  skip(note?: string): never;
}

/** Returns the value, or skips the current test with the reason (or throws it, per missingPolicy). */
export function requireEnv<T>(ctx: SkipContext, availability: Availability<T>): T {
  if (availability.available) return availability.value;
  if (missingPolicy() === 'fail') throw new Error(`test environment missing: ${availability.reason}`);
  // vitest's default reporter does not print skip notes; say it once per reason per test file
  if (!announced.has(availability.reason)) {
    announced.add(availability.reason);
    console.warn(`skipping: ${availability.reason}`);
  }
  return ctx.skip(availability.reason);
}
const announced = new Set<string>();

export function requireDocker(ctx: SkipContext): DockerEnv {
  return requireEnv(ctx, dockerEnv());
}

export function requireNats(ctx: SkipContext): NatsEnv {
  return requireEnv(ctx, natsEnv());
}

/** The absolute path of `<name>.wasm`. */
export function requireWasmModule(ctx: SkipContext, name: string): string {
  return requireEnv(ctx, wasmModule(name));
}

/**
 * `node:wasi`'s WASI class, imported without the ExperimentalWarning Node prints on first import
 * (which would otherwise land in the middle of the test report).
 */
export async function importWasi(): Promise<typeof WASI> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back unchanged in `finally`
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('WASI')) return;
    Reflect.apply(emitWarning, process, [warning, ...rest]);
  };
  try {
    return (await import('node:wasi')).WASI;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** The part of the WebAssembly JS API tests use (tsconfig's lib has no DOM, so the global is untyped). */
export interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}

/** The global `WebAssembly`, typed. */
export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/**
 * A describe block that runs only when `availability` holds. When it does not, the block contains a
 * single test that is skipped with the reason (so the reason shows in the report), or fails with it
 * per missingPolicy(). Use it when beforeAll/afterAll hooks need the environment.
 */
export function describeWithEnv<T>(
  name: string,
  availability: Availability<T>,
  body: (value: T) => void,
): void {
  if (availability.available) {
    const value = availability.value;
    describe(name, () => body(value));
    return;
  }
  const reason = availability.reason;
  describe(name, () => {
    it('test environment', (ctx) => {
      requireEnv(ctx, availability);
      throw new Error(`unreachable: ${reason}`);
    });
  });
}
