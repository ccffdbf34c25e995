import { BacalhauError, ErrorCode, errorMessage } from '../models/index.js';
import { isDiskFull, isOutOfFileDescriptors, outOfFileDescriptorsHint } from '../lib/error-chain.js';

/**
 * A failure because the node ran out of something (file descriptors, disk space) while doing anything
 * for an execution (creating its folders, opening its output files, a download, serving its logs) says
 * what the operator does about it, unless it has a hint of its own already.
 */
export function withNodeLimitHint(err: unknown): unknown {
  if (err instanceof BacalhauError && err.hint !== '') return err;
  const hint = isOutOfFileDescriptors(err)
    ? outOfFileDescriptorsHint('the compute node')
    : isDiskFull(err)
      ? "the compute node's disk is full: free space on the disk that holds its data dir"
      : undefined;
  if (hint === undefined) return err;
  return new BacalhauError(errorMessage(err), {
    ...(err instanceof BacalhauError ? err.options() : { code: ErrorCode.IOError, component: 'Compute' }),
    hint,
    cause: err,
  });
}
