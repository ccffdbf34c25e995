import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { externalCommandStrategy } from './external-command.js';
import { probeData } from './probe.js';
import { requestWith } from './testing.js';

describe('externalCommandStrategy', () => {
  const request = requestWith();
  const ask = (command: string, timeoutMs?: number, signal?: AbortSignal) =>
    externalCommandStrategy(command, { timeoutMs }).shouldBid(request, { signal });

  it("answers with Go's reasons for exit codes and stderr (Go's test cases)", async () => {
    expect(await ask('exit 1')).toEqual({
      shouldBid: false,
      reason: 'this node does not accept jobs where external command "exit 1" returns exit code 1',
    });
    expect(await ask('exit 0')).toEqual({
      shouldBid: true,
      reason: 'this node does accept jobs where external command "exit 0" returns exit code 0',
    });
    expect(await ask('echo bad job 1>&2; exit 1')).toEqual({
      shouldBid: false,
      reason: 'this node does not accept this job: bad job',
    });
  });

  it("keeps a % in the reason as written, where Go's Sprintf of the reason mangles it", async () => {
    // Go: 'this node does not accept this job: disk 95%!f(MISSING)ull' (see README.md)
    expect(await ask('echo disk 95% full >&2; exit 1')).toEqual({
      shouldBid: false,
      reason: 'this node does not accept this job: disk 95% full',
    });
  });

  it('accepts when no command is configured', async () => {
    expect(await ask('')).toEqual({
      shouldBid: true,
      reason: 'this node does have HTTP moderation unconfigured',
    });
  });

  it('gives the command the job as JSON in BACALHAU_JOB_SELECTION_PROBE_DATA and on stdin, and only PATH besides', async () => {
    const check = [
      '[ "$(cat)" = "$BACALHAU_JOB_SELECTION_PROBE_DATA" ] || exit 2',
      '[ -z "$HOME" ] || exit 3',
      `node -e 'const d = JSON.parse(process.env.BACALHAU_JOB_SELECTION_PROBE_DATA); process.exit(Object.keys(d).join() === "Job" && d.Job.ID === "${request.job.ID}" && d.Job.Tasks[0].Name === "main" ? 0 : 4)'`,
    ].join('\n');
    expect(await ask(check)).toMatchObject({ shouldBid: true });
    expect(JSON.parse(probeData(request.job))).toMatchObject({ Job: { ID: request.job.ID, Type: 'batch' } });
  });

  it('counts a command killed by a signal as exit code -1', async () => {
    expect(await ask('kill -9 $$')).toEqual({
      shouldBid: false,
      reason: 'this node does not accept jobs where external command "kill -9 $$" returns exit code -1',
    });
  });

  it('refuses with exit code -1, as Go, a job whose data is too big for the environment (E2BIG)', async () => {
    const big = requestWith({ Env: { BIG: 'x'.repeat(200_000) } });
    expect(await externalCommandStrategy('exit 0').shouldBid(big)).toEqual({
      shouldBid: false,
      reason: 'this node does not accept jobs where external command "exit 0" returns exit code -1',
    });
  });

  it('fails with TimeOut naming the key when the command outlives its time limit', async () => {
    // a duration of this run's own, so that another run's sleep is not taken for it
    const sleep = `sleep 31.${process.pid}`;
    const command = `${sleep} & wait`;
    await expect(ask(command, 200)).rejects.toMatchObject({
      code: 'TimeOut',
      message: `job selection probe "${command}" did not answer within 0.2s`,
      hint: expect.stringContaining('JobAdmissionControl.ProbeExec') as unknown,
    });
    // what the command started is stopped with it (SIGKILL is delivered when the kernel gets to it)
    const running = async (): Promise<boolean> =>
      (await promisify(execFile)('ps', ['-eo', 'args'])).stdout.split('\n').includes(sleep);
    await expect.poll(running, { timeout: 10_000 }).toBe(false);
  });

  it('fails with RequestCancelled when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = ask('sleep 30', 60_000, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'RequestCancelled' });
  });
});
