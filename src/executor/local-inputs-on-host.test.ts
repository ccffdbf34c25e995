import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalInputUse } from './local-inputs-in-use.js';
import {
  claimWasmInputs,
  hostInputConflict,
  ForeignWriterHint,
  NodeFolderHint,
  recordNodeFolder,
  RegistryEnv,
  undoWhatEndedProcessesLeft,
  withHostRecordLocked,
} from './local-inputs-on-host.js';

const children: ChildProcess[] = [];
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'inputs-on-host-'));
  process.env[RegistryEnv] = join(root, 'record');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true, maxRetries: 20, retryDelay: 10 });
});

/**
 * Another process (another node's, as far as the record knows) running `script` with this module's
 * exports as `m` and `arg`: its first line of output, and the process, whose stdin the script may read.
 */
async function otherProcess(script: string, arg: string): Promise<{ child: ChildProcess; answer: string }> {
  const module = new URL('./local-inputs-on-host.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(module)}); const arg = process.argv[1]; ${script}`,
      arg,
    ],
    { env: process.env, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, answer: line.toString().trim() };
}

/** Another process claiming `inputs` for a WASM task: released on a line on its stdin. */
const claimInOtherProcess = (inputs: LocalInputUse[]) =>
  otherProcess(
    `const claim = await m.claimWasmInputs(JSON.parse(arg));
     console.log('conflict' in claim ? claim.conflict : 'claimed');
     process.stdin.once('data', () => claim.release());`,
    JSON.stringify(inputs),
  );

/**
 * Another process recording a Docker writer whose container's first process is `pid`, as the Docker
 * executor does: released on a line on its stdin.
 */
const writerInOtherProcess = (pid: number) =>
  otherProcess(
    `const writer = await m.withHostRecordLocked(() => m.recordDockerWriter('c0ffee0123456789'));
     await writer.running(Number(arg));
     console.log('recorded');
     process.stdin.once('data', () => writer.release());`,
    String(pid),
  );

/** A process standing for a container's first process. */
function containerProcess(): ChildProcess {
  const child = spawn('sleep', ['60']);
  children.push(child);
  return child;
}

const read = (path: string): LocalInputUse => ({ path, writable: false });
const write = (path: string): LocalInputUse => ({ path, writable: true });

/** A conflict, seen holding the lock as the Docker executor's guard sees it. */
const dockerConflict = async (inputs: LocalInputUse[]): Promise<string | undefined> =>
  (await withHostRecordLocked(() => hostInputConflict('docker', inputs)))?.conflict;

/** Whether a WASM task reading /data/p is refused now (released at once when it is not). */
async function refused(): Promise<boolean> {
  const claim = await claimWasmInputs([read('/data/p')]);
  if ('release' in claim) claim.release();
  return 'conflict' in claim;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('the host record of local inputs in use', () => {
  it("refuses a Docker container writing above another process's WASM input, until that task ends", async () => {
    const { child, answer } = await claimInOtherProcess([read('/data/p/q')]);
    expect(answer).toBe('claimed');
    const conflict = await dockerConflict([write('/data/p')]);
    expect(conflict).toContain(
      `the writable local input "/data/p" of a Docker task and the local input "/data/p/q" of a WASM task of another node process of this host (pid ${child.pid}) overlap`,
    );
    // reading beside it, or writing elsewhere, is not refused
    expect(await dockerConflict([read('/data/p'), write('/data/other')])).toBeUndefined();
    child.stdin?.write('release\n');
    await until(async () => (await dockerConflict([write('/data/p')])) === undefined);
    expect(await dockerConflict([write('/data/p')])).toBeUndefined();
  });

  it("refuses a WASM task whose input overlaps another process's WASM writer's, and the reverse", async () => {
    const { answer } = await claimInOtherProcess([write('/data/p')]);
    expect(answer).toBe('claimed');
    expect(await claimWasmInputs([read('/data/p/q/r')])).toMatchObject({
      conflict: expect.stringContaining('of another node process of this host') as unknown,
    });
    const mine = await claimWasmInputs([write('/data/x')]);
    expect(mine).toHaveProperty('release');
    const theirs = await claimInOtherProcess([read('/data/x/y')]);
    expect(theirs.answer).toContain(`(pid ${process.pid}) overlap`);
    if ('release' in mine) mine.release();
  });

  it('forgets the WASM inputs of a process that was killed', async () => {
    const { child, answer } = await claimInOtherProcess([write('/data/p')]);
    expect(answer).toBe('claimed');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await dockerConflict([write('/data/p')])).toBeUndefined();
    expect(await readdir(join(root, 'record'))).toEqual(['lock-name']); // its file removed on the way
  });

  it('does not take a live process for one whose pid it reuses', async () => {
    await mkdir(join(root, 'record'), { recursive: true, mode: 0o700 });
    // the pid of a live process (this one's parent), another start time: a file left by a dead one
    const file = join(root, 'record', `${process.ppid}-0.json`);
    await writeFile(
      file,
      JSON.stringify({
        startTime: '1',
        inputs: [write('/data/p')],
        writers: [],
        nodeFolders: [],
        paused: [],
      }),
    );
    expect(await dockerConflict([write('/data/p')])).toBeUndefined();
  });

  it("refuses WASM tasks with local inputs while another process's Docker writer runs, until it is released", async () => {
    const container = containerProcess();
    const { child, answer } = await writerInOtherProcess(container.pid!);
    expect(answer).toBe('recorded');
    expect(await claimWasmInputs([read('/elsewhere')])).toEqual({
      conflict: expect.stringContaining(
        `the container c0ffee012345 of a Docker task with a writable local input of another node process of this host (pid ${child.pid}) runs, and where its folders are now cannot be told from here`,
      ) as unknown,
      hint: ForeignWriterHint,
    });
    // a task without local inputs is not concerned
    expect(await claimWasmInputs([])).toHaveProperty('release');
    child.stdin?.write('release\n');
    await until(async () => !(await refused()));
    expect(await refused()).toBe(false);
  });

  it('keeps refusing them while the container of a killed process runs, and forgets it once it ended', async () => {
    const container = containerProcess();
    const { child } = await writerInOtherProcess(container.pid!);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await claimWasmInputs([read('/elsewhere')])).toMatchObject({
      conflict: expect.stringContaining(
        'runs (that process has ended, and the container may still run: `docker rm -f c0ffee012345` ends it; if `docker ps` does not list it, remove',
      ) as unknown,
    });
    container.kill('SIGKILL');
    await once(container, 'exit');
    expect(await refused()).toBe(false);
    // its file removed on the way (this process's own comes and goes with its claims)
    expect(await readdir(join(root, 'record'))).not.toContain(`${child.pid}-0.json`);
  });

  it("refuses local inputs overlapping a node's folder of executions: a WASM task's any, a Docker task's writable", async () => {
    const forget = await recordNodeFolder('/data/node/executions');
    const { child, answer } = await otherProcess(
      `await m.recordNodeFolder('/data/other-node/executions'); console.log('recorded'); process.stdin.resume();`,
      '',
    );
    expect(answer).toBe('recorded');
    for (const [path, whose] of [
      ['/data/node', 'a node of this process'],
      ['/data/node/executions/output/e-1/results/outputs', 'a node of this process'],
      ['/data/other-node/executions', `a node of another process of this host (pid ${child.pid})`],
    ] as const) {
      expect(await claimWasmInputs([read(path)])).toEqual({
        conflict: expect.stringContaining(
          `overlaps "${path.startsWith('/data/other') ? '/data/other-node/executions' : '/data/node/executions'}", where ${whose} keeps its executions' folders`,
        ) as unknown,
        hint: NodeFolderHint,
      });
    }
    expect(await dockerConflict([write('/data/node/executions/x')])).toContain(
      'task writing could change or move',
    );
    // a Docker task reads a folder as mounted once: what is written there later stays inside it
    expect(await dockerConflict([read('/data/node')])).toBeUndefined();
    expect(await refused()).toBe(false);
    forget();
    await until(async () => 'release' in (await claimWasmInputs([read('/data/node')])));
    expect(await claimWasmInputs([read('/data/node')])).toHaveProperty('release');
  });

  it('undoes what a process killed in the middle of a Docker start left: its pauses, its writers with no first process', async () => {
    const { child, answer } = await otherProcess(
      `await m.withHostRecordLocked(async () => {
         await m.recordDockerWriter('c0ffee0123456789');
         await m.recordPauses(['beef01', 'beef02']);
       });
       console.log('recorded'); process.stdin.resume();`,
      '',
    );
    expect(answer).toBe('recorded');
    child.kill('SIGKILL');
    await once(child, 'exit');
    // its writer may run: where it writes cannot be told
    expect(await refused()).toBe(true);
    const resumed: string[] = [];
    const daemon = {
      resume: (id: string) => Promise.resolve(void resumed.push(id)),
      running: (id: string) => Promise.resolve(id !== 'c0ffee0123456789'),
    };
    await withHostRecordLocked(() => undoWhatEndedProcessesLeft(daemon));
    expect(resumed.sort()).toEqual(['beef01', 'beef02']);
    expect(await refused()).toBe(false);
    expect(await readdir(join(root, 'record'))).not.toContain(`${child.pid}-0.json`);
  });

  it('names a file in the folder that is not a record, and drops one whose process has ended', async () => {
    await mkdir(join(root, 'record'), { mode: 0o700 });
    await writeFile(join(root, 'record', `${process.ppid}-0.json`), '{"half');
    expect(await claimWasmInputs([read('/data/p')])).toMatchObject({
      conflict: expect.stringContaining(
        `${join(root, 'record', `${process.ppid}-0.json`)} is not a record of local inputs in use (remove it, and restart node process ${process.ppid})`,
      ) as unknown,
    });
    await rm(join(root, 'record', `${process.ppid}-0.json`));
    const ended = spawn('true');
    await once(ended, 'exit');
    await writeFile(join(root, 'record', `${ended.pid}-0.json`), '{"half');
    expect(await refused()).toBe(false);
  });

  it('refuses a relative folder: each node would take another', async () => {
    process.env[RegistryEnv] = 'relative/record';
    expect(await claimWasmInputs([read('/data/p')])).toMatchObject({
      conflict: expect.stringContaining(
        `${RegistryEnv} must be an absolute path, not "relative/record"`,
      ) as unknown,
    });
  });

  it('makes its folder again when it was removed', async () => {
    expect(await refused()).toBe(false);
    // (a release's rewrite of this process's file may still be under way: retried past it)
    await rm(join(root, 'record'), { recursive: true, maxRetries: 20, retryDelay: 10 });
    expect(await refused()).toBe(false);
  });

  it('refuses to record in a folder others may write to, or another user owns', async () => {
    await mkdir(join(root, 'record'));
    await chmod(join(root, 'record'), 0o777); // past the umask
    const problem = {
      conflict: expect.stringContaining(
        `${join(root, 'record')} must be a folder of this user's that no one else may write to`,
      ) as unknown,
      hint: `Check that ${join(root, 'record')} can be written, then submit the job again`,
    };
    expect(await claimWasmInputs([read('/data/p')])).toEqual(problem);
    if (process.getuid?.() !== 0) return; // only root can give a folder to another user
    await chmod(join(root, 'record'), 0o700);
    await chown(join(root, 'record'), 65534, 65534);
    expect(await claimWasmInputs([read('/data/p')])).toEqual(problem);
  });
});
