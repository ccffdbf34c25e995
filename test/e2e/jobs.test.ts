/** `bacalhau job …` against a live node with a fake compute node that runs every job at once. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveNode, type LiveNode } from './live-node.js';

let live: LiveNode;
let specFile: string;

const spec = `Name: {{.name}}
Type: batch
Count: 1
Labels:
  team: e2e
Tasks:
  - Name: main
    Engine:
      Type: docker
      Params:
        Image: busybox:1.37.0
        Entrypoint: [echo, hello]
    Publisher:
      Type: local
`;

beforeAll(async () => {
  live = await startLiveNode();
  await live.addComputeNode('n-compute-1', {
    run: { action: 'complete', result: { Stdout: 'hello\n' } },
    nodeInfo: { labels: { zone: 'a' } },
  });
  specFile = join(live.dataDir, 'job.yaml');
  writeFileSync(specFile, spec);
});
afterAll(() => live.stop());

/** Submits `name` and returns its job ID (`--id-only --wait=false`). */
async function submit(name: string, extra: string[] = []): Promise<string> {
  const run = await live.run([
    'job',
    'run',
    '--id-only',
    '--wait=false',
    '-V',
    `name=${name}`,
    specFile,
    ...extra,
  ]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

describe('job run', () => {
  it('follows the job to completion and ends with the hints', async () => {
    const run = await live.run(['job', 'run', '-V', 'name=first', specFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = /Job successfully submitted\. Job ID: (j-[0-9a-f-]+)/.exec(run.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(run.stdout).toContain(
      'Checking job status... (Enter Ctrl+C to exit at any time, your job will continue running):\n\n',
    );
    expect(run.stdout).toMatch(/ TIME {10}EXEC\. ID {4}TOPIC {12}EVENT/);
    expect(run.stdout).toContain('Job submitted');
    expect(
      run.stdout.endsWith(
        `\nTo get more details about the run, execute:\n\tbacalhau job describe ${id}\n` +
          `\nTo get more details about the run executions, execute:\n\tbacalhau job executions ${id}\n` +
          `\nTo download the results, execute:\n\tbacalhau job get ${id}\n`,
      ),
    ).toBe(true);
  });

  describe('stops following a job that goes on, and ends with the hints', () => {
    /** `docker run` of a job no node can take, queued for a minute: it stays Queued while followed. */
    const queued = (name: string, extra: string[] = []): string[] => [
      'docker',
      'run',
      '--name',
      name,
      '--constraints',
      'zone=nowhere',
      '--queue-timeout',
      '60',
      ...extra,
      'local/busybox',
      'true',
    ];
    const hints = (id: string): string =>
      `\nTo get more details about the run, execute:\n\tbacalhau job describe ${id}\n` +
      `\nTo get more details about the run executions, execute:\n\tbacalhau job executions ${id}\n`;
    const submittedID = (stdout: string): string =>
      /Job successfully submitted\. Job ID: (j-[0-9a-f-]+)/.exec(stdout)?.[1] ?? '';

    it('after --wait-timeout-secs', async () => {
      const run = await live.run(queued('waits-too-long', ['--wait-timeout-secs', '1']));
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('Warning: Progress tracking timed out after 1s. The job is still running.\n');
      const id = submittedID(run.stdout);
      expect(run.stdout.endsWith(hints(id))).toBe(true);
    });

    it('after --wait-timeout-secs with --follow too (Go ignores it there)', async () => {
      const started = Date.now();
      const run = await live.run(queued('follows-too-long', ['--follow', '--wait-timeout-secs', '1']));
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(
        /^Warning: Job queued\. .*\n(.*\n)*Warning: Progress tracking timed out after 1s\. The job is still running\.\n$/u,
      );
      expect(Date.now() - started).toBeLessThan(30_000); // not the job's 60 s in the queue
    });

    it('never, with a --wait-timeout-secs beyond what a timer can wait, or of 0 or less (Go takes any int)', async () => {
      const stop = new AbortController();
      const runs = [
        ['endless-wait', '99999999'],
        ['negative-wait', '-5'],
        ['zero-wait', '0'],
      ].map(([name, secs]) =>
        live.run(queued(name!, ['--wait-timeout-secs', secs!]), { signal: stop.signal }),
      );
      // still following after the first events: none gave up at once
      await new Promise((resolve) => setTimeout(resolve, 1500));
      stop.abort();
      for (const run of await Promise.all(runs)) {
        expect(run.stderr).not.toContain('timed out');
        expect(run.stderr).not.toContain('delay');
        expect(run.stderr).not.toContain('invalid argument');
        expect(run.stdout).toContain('Job successfully submitted.');
      }
    });

    it('when the node stops, naming the job so that it is not submitted again', async () => {
      const stopping = await startLiveNode();
      try {
        const running = stopping.run(queued('outlived'));
        await expect
          .poll(async () => (await stopping.run(['job', 'list', '--output', 'json'])).stdout)
          .toContain('"Name":"outlived"');
        await stopping.node.stop();
        const run = await running;
        expect(run.code).toBe(1);
        const id = submittedID(run.stdout);
        // refused while the node closes, or cut off or not answered once it is gone
        expect(run.stderr).toMatch(
          /^\nError: (the node is shutting down|server is not running or not reachable at \S+|cannot reach the Bacalhau API at \S+ \(.+\))\n/,
        );
        expect(run.stderr).toContain(
          `Hint:  job ${id} was submitted and may still be running: once the server is back, see it with 'bacalhau job describe ${id}' rather than submitting it again\n`,
        );
      } finally {
        await stopping.stop();
      }
    });

    it('after Ctrl+C, without asking the node anything more', async () => {
      const interrupt = new AbortController();
      const running = live.run(queued('interrupted'), { signal: interrupt.signal });
      await expect
        .poll(async () => (await live.run(['job', 'list', '--output', 'json'])).stdout)
        .toContain('"Name":"interrupted"');
      interrupt.abort();
      const run = await running;
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('Warning: Progress tracking canceled. The job is still running.\n');
      const id = submittedID(run.stdout);
      expect(run.stdout.endsWith(hints(id))).toBe(true);
    });
  });

  it('--id-only prints the ID alone, and still waits', async () => {
    const run = await live.run(['job', 'run', '--id-only', '-V', 'name=quiet', specFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^j-[0-9a-f-]{36}\n$/);
    const state = await live.run(['job', 'describe', run.stdout.trim(), '--output', 'json']);
    expect((JSON.parse(state.stdout) as { Job: { State: { StateType: string } } }).Job.State.StateType).toBe(
      'Completed',
    );
  });

  it('--wait=false returns the ID at once; resubmitting an unchanged job needs --force', async () => {
    const id = await submit('once');
    const again = await live.run(['job', 'run', '--wait=false', '-V', 'name=once', specFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no changes detected for new job spec');
    expect(again.stderr).toContain('Hint:  Use the --force flag');
    const forced = await live.run(['job', 'run', '--wait=false', '--force', '-V', 'name=once', specFile]);
    expect(forced.code).toBe(0);
    expect(forced.stdout.trim()).toBe(id);
  });

  it("sends the installation's and the data dir's IDs, which the job keeps as client meta, as Go's CLI does", async () => {
    mkdirSync(join(live.dataDir, '.config', 'bacalhau'), { recursive: true });
    writeFileSync(join(live.dataDir, '.config', 'bacalhau', 'installation_id'), 'install-1\n');
    mkdirSync(join(live.dataDir, 'client'), { recursive: true });
    writeFileSync(
      join(live.dataDir, 'client', 'system_metadata.yaml'),
      'RepoVersion: 4\nInstanceID: instance-1\n',
    );
    try {
      const id = await submit('with-client-ids');
      const job = JSON.parse((await live.run(['job', 'describe', id, '--output', 'json'])).stdout) as {
        Job: { Meta: Record<string, string> };
      };
      expect(job.Job.Meta).toMatchObject({
        'bacalhau.org/client.installation.id': 'install-1',
        'bacalhau.org/client.instance.id': 'instance-1',
      });
    } finally {
      rmSync(join(live.dataDir, '.config'), { recursive: true });
      rmSync(join(live.dataDir, 'client', 'system_metadata.yaml'));
    }
  });

  it('reads the spec from standard input', async () => {
    const run = await live.run(['job', 'run', '--wait=false'], { stdin: spec.replace('{{.name}}', 'stdin') });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^j-/);
  });

  it('refuses a template variable that is not given, naming it', async () => {
    const run = await live.run(['job', 'run', specFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the job provided is invalid');
    expect(run.stderr).toContain('map has no entry for key "name"');
  });

  it('-E takes template variables from the environment', async () => {
    const run = await live.run(['job', 'run', '--wait=false', '-E', '^name$', specFile]);
    expect(run.code).toBe(1); // HOME etc. are no match, and `name` is not in the environment
    expect(run.stderr).toContain('map has no entry for key "name"');
  });

  it('--dry-run shows the difference to the stored job', async () => {
    await submit('drift');
    const changed = join(live.dataDir, 'changed.yaml');
    writeFileSync(changed, spec.replace('echo, hello', 'echo, bye'));
    const run = await live.run(['job', 'run', '--dry-run', '-V', 'name=drift', changed]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^-.*hello/m);
    expect(run.stdout).toMatch(/^\+.*bye/m);
    const same = await live.run(['job', 'run', '--dry-run', '-V', 'name=drift', specFile]);
    expect(same.stderr).toBe('Warning: No diff detected.\n');
    // a change of type is shown, with the warning that submitting it will be refused
    const retyped = join(live.dataDir, 'retyped.yaml');
    writeFileSync(retyped, spec.replace('Type: batch', 'Type: service'));
    const dry = await live.run(['job', 'run', '--dry-run', '-V', 'name=drift', retyped]);
    expect(dry.stdout).toMatch(/^\+ Type: "service"$/m);
    expect(dry.stderr).toMatch(
      /^Warning: submitting this spec will be refused: cannot change the type of job 'drift' \(j-[0-9a-f-]+\) from batch to service/,
    );
    // a warning both the CLI and the server find is printed once
    const unmatchable = join(live.dataDir, 'unmatchable.yaml');
    writeFileSync(
      unmatchable,
      spec.replace('Count: 1', 'Count: 1\nConstraints:\n  - {Key: cores, Operator: gt, Values: [many]}'),
    );
    const twice = await live.run(['job', 'run', '--dry-run', '-V', 'name=drift', unmatchable]);
    expect(twice.stderr.match(/constraint 1 can never match a node/g)).toHaveLength(1);
    // a spec the server refuses fails the dry run (Go's diff checks less, and any error falls back offline)
    const refused = join(live.dataDir, 'refused.yaml');
    writeFileSync(
      refused,
      'Name: refused\nType: batch\nTasks:\n  - Name: main\n    Engine: {Type: wasm, Params: {EntryModule: x}}\n',
    );
    const bad = await live.run(['job', 'run', '--dry-run', refused]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not the Target of an input');
    expect(bad.stderr).not.toContain('falling back to offline mode');
    // a job without a name has nothing to be compared with: its spec is shown, as Go does
    const nameless = join(live.dataDir, 'nameless.yaml');
    writeFileSync(nameless, spec.replace(/^Name: .*\n/m, ''));
    const offline = await live.run(['job', 'run', '--dry-run', nameless]);
    expect(offline.code).toBe(0);
    expect(offline.stderr).toContain('failed to fetch Job spec: invalid job spec: name is missing');
    expect(offline.stderr).toContain('falling back to offline mode...');
    expect(offline.stdout).toMatch(/^Type: batch$/m);
    expect(offline.stdout).toMatch(/^Name: ""$/m);
    // a field the CLI ignored is said when the server refuses the job for want of it
    const misplaced = join(live.dataDir, 'misplaced.yaml');
    writeFileSync(
      misplaced,
      'Type: batch\nTasks:\n  - Name: main\n    Engine: {Type: docker, Image: local/busybox}\n',
    );
    const refusedRun = await live.run(['job', 'run', misplaced]);
    expect(refusedRun.code).toBe(1);
    expect(refusedRun.stderr).toMatch(
      /^Warning: unknown field: 'Image' in 'SpecConfig' \(at Tasks\[0\]\.Engine\) is ignored\n\nError: invalid docker engine param: 'Image' cannot be empty/u,
    );
  });
});

describe('job queries', () => {
  let id: string;
  beforeAll(async () => {
    const run = await live.run(['job', 'run', '--id-only', '-V', 'name=queried', specFile]);
    id = run.stdout.trim();
  });

  it('job list: a table, JSON items, and the paging hint', async () => {
    // every job of this file on one page (the default is 10, the oldest first)
    const table = await live.run(['job', 'list', '--no-style', '--limit', '100']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ CREATED {3}ID {10}NAME +JOB {5}TYPE {3}STATE +$/);
    expect(table.stdout).toContain(` ${id.slice(0, 10)}  queried`);
    const json = await live.run(['job', 'list', '--output', 'json', '--labels', 'team=e2e']);
    const items = JSON.parse(json.stdout) as { ID: string }[];
    expect(items.map((j) => j.ID)).toContain(id);
    const none = await live.run(['job', 'list', '--output', 'json', '--labels', 'team=nobody']);
    expect(none.stdout).toBe('[]\n');
    const page = await live.run(['job', 'list', '--limit', '1', '--no-style']);
    expect(page.stdout).toMatch(
      /\nTo fetch more records use:\n\tbacalhau job list --limit 1 --next-token \S+\n$/,
    );
    const token = /--next-token (\S+)/.exec(page.stdout)?.[1] ?? '';
    const next = await live.run(['job', 'list', '--limit', '1', '--next-token', token, '--output', 'csv']);
    expect(next.code).toBe(0);
    expect(next.stdout.split('\n')[0]).toBe('created,id,name,job,type,state');
    // the token does not hold the filter: the hint repeats it, quoted for the shell (Go's leaves it out)
    const filtered = await live.run([
      'job',
      'list',
      '--limit',
      '1',
      '--no-style',
      '--labels',
      'team in (e2e,x)',
    ]);
    expect(filtered.stdout).toMatch(
      /\n\tbacalhau job list --limit 1 --labels 'team in \(e2e,x\)' --next-token \S+\n$/,
    );
  });

  it('job describe: header, executions, history and output', async () => {
    const run = await live.run(['job', 'describe', id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ID +\\= ${id}\\nName +\\= queried\\nNamespace += default\\n`));
    expect(run.stdout).toContain('State         = Completed\n');
    expect(run.stdout).toContain('\nSummary\nCompleted = 1\n');
    expect(run.stdout).toContain('\nJob History\n');
    expect(run.stdout).toMatch(
      /\nExecutions\n ID {10}NODE ID {6}STATE {6}DESIRED {2}REV\. {2}CREATED {2}MODIFIED {2}COMMENT \n/,
    );
    expect(run.stdout).toContain('n-compute-');
    expect(run.stdout.endsWith('\nStandard Output\nhello\n')).toBe(true);
    const yaml = await live.run(['job', 'describe', id, '--output', 'yaml']);
    expect(yaml.stdout).toContain(`ID: ${id}`);
    expect(yaml.stdout).toMatch(/StateType: 9/); // execution states as on the wire
  });

  it('job executions, history (filters), versions', async () => {
    const executions = await live.run(['job', 'executions', id, '--no-style', '--wide']);
    expect(executions.code).toBe(0);
    expect(executions.stdout.split('\n')[0]).toMatch(
      /^ CREATED +MODIFIED +ID +JOB VERSION +NODE ID +REV\. +STATE +DESIRED +$/,
    );
    expect(executions.stdout).toContain('n-compute-1');
    const all = await live.run(['job', 'history', id, '--output', 'json']);
    const entries = JSON.parse(all.stdout) as { Type: string; ExecutionID?: string }[];
    expect(entries.some((e) => e.Type === 'JobLevel')).toBe(true);
    expect(entries.some((e) => e.Type === 'ExecutionLevel')).toBe(true);
    const jobLevel = await live.run(['job', 'history', id, '--event-type', 'job', '--output', 'json']);
    expect((JSON.parse(jobLevel.stdout) as { Type: string }[]).every((e) => e.Type === 'JobLevel')).toBe(
      true,
    );
    const onNode = await live.run(['job', 'history', id, '--node-id', 'n-compute', '--output', 'json']);
    expect((JSON.parse(onNode.stdout) as { Type: string }[]).every((e) => e.Type === 'ExecutionLevel')).toBe(
      true,
    );
    const executionID = entries.find((e) => e.ExecutionID)?.ExecutionID ?? '';
    const byExecution = await live.run([
      'job',
      'history',
      id,
      '--execution-id',
      executionID,
      '--output',
      'json',
    ]);
    expect(
      (JSON.parse(byExecution.stdout) as { ExecutionID?: string }[]).every(
        (e) => e.ExecutionID === executionID,
      ),
    ).toBe(true);
    const table = await live.run(['job', 'history', id, '--no-style']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ TIME +LEVEL +JOB VERSION +EXEC\. ID +TOPIC +EVENT +$/);
    const versions = await live.run(['job', 'versions', id, '--no-style']);
    expect(versions.stdout).toMatch(/^ CREATED AT +JOB VERSION \n \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +1 +\n$/);
  });

  it('an unknown job is one error line and exit code 1', async () => {
    const run = await live.run(['job', 'describe', 'j-nope']);
    expect(run.code).toBe(1);
    // the server's message alone, as Go's CLI prints it (no "failed to get job …:" in front)
    expect(run.stderr.split('\n')[1]).toMatch(/^Error: job not found: j-nope/);
    expect(run.stderr).not.toContain('    at ');
  });

  it('job rerun runs the job again as a new version', async () => {
    const run = await live.run(['job', 'rerun', id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Job successfully submitted. Job ID: ${id}`);
    const versions = await live.run(['job', 'versions', id, '--output', 'json']);
    expect((JSON.parse(versions.stdout) as unknown[]).length).toBe(2);
  });
});

describe('job rerun of a long-running job', () => {
  it('returns once the new version runs, as job run does, rather than at the wait timeout', async () => {
    const node = await startLiveNode();
    try {
      await node.addComputeNode('n-forever', { run: { action: 'hang' } });
      const serviceSpec = join(node.dataDir, 'service.yaml');
      writeFileSync(serviceSpec, spec.replace('Type: batch', 'Type: service'));
      const run = await node.run(['job', 'run', '--id-only', '-V', 'name=svc', serviceSpec]);
      expect(run.code).toBe(0);
      const id = run.stdout.trim();
      const rerun = await node.run(['job', 'rerun', id, '--wait-timeout-secs', '30']);
      expect(rerun.code).toBe(0);
      expect(rerun.stdout).toContain(`Job successfully submitted. Job ID: ${id}`);
      expect(`${rerun.stdout}${rerun.stderr}`).not.toContain('timed out');
    } finally {
      await node.stop();
    }
  });
});

describe('job stop', () => {
  it('stops a running job, then refuses to stop it again', async () => {
    const stopper = await startLiveNode();
    try {
      await stopper.addComputeNode('n-slow', { run: { action: 'hang' } });
      const run = await stopper.run([
        'job',
        'run',
        '--wait=false',
        '-V',
        'name=long',
        join(live.dataDir, 'job.yaml'),
      ]);
      const id = run.stdout.trim();
      const stop = await stopper.run(['job', 'stop', id]);
      expect(stop.stderr).toBe('');
      expect(stop.code).toBe(0);
      expect(stop.stdout).toMatch(
        /^Checking job status\n\n\tConnecting to network {2}\.{16} {2}done ✅ {2}\d+\.\ds\n\t {2}Verifying job state {2}\.{16} {2}done ✅ {2}\d+\.\ds\n\t {9}Stopping job {2}\.{16} {2}done ✅ {2}\d+\.\ds\n\nJob stop successfully submitted with evaluation ID: \S+\n$/,
      );
      const again = await stopper.run(['job', 'stop', id]);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        '\nError: Job is already in a terminal state.\nThe current state is: Stopped\n',
      );
      const quiet = await stopper.run(['job', 'stop', '--quiet', id]);
      // --quiet silences the steps; the error still shows, as Go's util.Fatal prints it
      expect(quiet).toEqual({ code: 1, stdout: '', stderr: again.stderr });
    } finally {
      await stopper.stop();
    }
  });
});
