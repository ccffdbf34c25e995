/**
 * What `job run`, `docker run` and `wasm run` do once they have a job: submit it, show the warnings,
 * then follow it as the runtime flags ask (Bacalhau's `PutJobRequest` + `JobProgressPrinter`).
 */
import type { BacalhauClient } from '../../../api/client/index.js';
import { BacalhauError, hasHttpStatus } from '../../../models/bacerrors.js';
import { callOptions, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import type { RuntimeSettings } from '../../flags/runtime.js';
import { printWarnings } from '../../messages.js';
import { JobProgress } from './progress.js';

export interface SubmitOptions {
  /** Submit even when the spec equals the stored version of the job of that name. */
  readonly force?: boolean;
  /** Warnings found before submitting; shown with the server's, without repeats. */
  readonly clientWarnings?: readonly string[];
  readonly hideWarnings?: boolean;
  /** What a failed request is prefixed with (`failed to submit job: …`). */
  readonly doing: string;
}

export async function submitJob(
  ctx: CliContext,
  client: BacalhauClient,
  job: Record<string, unknown>,
  settings: RuntimeSettings,
  options: SubmitOptions,
): Promise<void> {
  const response = await withContext(
    client.jobs.put({ job, force: options.force === true }, callOptions(ctx)),
    options.doing,
  ).catch((err: unknown) => {
    // a field the client's decoder ignored may be why the server refused (`Image` beside `Params`)
    if (options.hideWarnings !== true) printWarnings(ctx, options.clientWarnings ?? []);
    throw tooLargeWithHint(err);
  });
  const warnings = [...new Set([...(options.clientWarnings ?? []), ...(response.Warnings ?? [])])];
  if (options.hideWarnings !== true && !settings.idOnly && warnings.length > 0) {
    printWarnings(ctx, warnings);
    ctx.stdout.write('\n');
  }
  await new JobProgress(ctx, client, settings).show({
    ID: response.JobID,
    Version: 0,
    Type: typeof job['Type'] === 'string' ? job['Type'] : '',
  });
}

/** The server's 413 (Go's body limit) says nothing of the limit or of the local files that filled it. */
function tooLargeWithHint(err: unknown): unknown {
  if (!hasHttpStatus(err, 413)) return err;
  return new BacalhauError(err.message, {
    ...err.options(),
    hint:
      'The server takes requests of up to 10 MB, and a local module given to wasm run travels inside the ' +
      'job. Serve a large module over HTTP and pass its URL instead',
  });
}
