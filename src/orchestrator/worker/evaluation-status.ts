/**
 * Persists what the broker decides about evaluations it gives up on, through the broker's callbacks:
 * dead-lettered evaluations (delivered `maxRetryCount` times without an ack) become `failed`, and
 * superseded pending evaluations become `canceled`. Either way they are no longer `pending`, so a
 * restart does not enqueue them again.
 *
 * Go has no consumer for its dead-letter queue or cancelable list: a dead-lettered evaluation blocks its
 * job forever and nothing is recorded.
 *
 * The broker calls back synchronously and must not see a throw; the writes run in the background and
 * their failures are logged. {@link EvaluationStatusRecorder.settled} waits for them (before closing the
 * store).
 */
import { InFlight } from '../../lib/in-flight.js';
import { EvalStatus, type Evaluation, unlessNotFound } from '../../models/index.js';
import type { EvaluationBrokerOptions } from '../evaluation/index.js';
import { stderrLogger, type Logger } from '../planner/index.js';
import type { JobStore, JobStoreTx } from '../../store/index.js';

export interface EvaluationStatusRecorder extends Required<
  Pick<EvaluationBrokerOptions, 'onDeadLetter' | 'onCancelable'>
> {
  /** Resolves when every write started so far has finished (failures are logged, never rejected). */
  settled(): Promise<void>;
}

export function evaluationStatusRecorder(
  store: JobStore,
  logger: Logger = stderrLogger,
): EvaluationStatusRecorder {
  const inFlight = new InFlight();

  const record = (what: string, evaluations: readonly Evaluation[], status: EvalStatus): void => {
    inFlight.add(
      store
        .transaction(
          (tx) => {
            for (const evaluation of evaluations) markIfPending(tx, evaluation, status);
          },
          { background: true },
        )
        .catch((err: unknown) => {
          logger.error(`Failed to mark ${what} evaluations ${status}`, {
            EvalIDs: evaluations.map((e) => e.ID),
            Error: err instanceof Error ? err.message : String(err),
          });
        }),
    );
  };

  return {
    onDeadLetter(evaluation: Evaluation): void {
      logger.warn('Evaluation dead-lettered', {
        EvalID: evaluation.ID,
        JobID: evaluation.JobID,
        Reason: evaluation.Comment,
      });
      record('dead-lettered', [evaluation], EvalStatus.Failed);
    },
    onCancelable(evaluations: Evaluation[]): void {
      logger.debug('Superseded evaluations cancelled', { EvalIDs: evaluations.map((e) => e.ID) });
      record('superseded', evaluations, EvalStatus.Cancelled);
    },
    settled: () => inFlight.settled(),
  };
}

/** Sets the status (and the given comment) of a stored evaluation that is still pending. */
export function markIfPending(tx: JobStoreTx, evaluation: Evaluation, status: EvalStatus): void {
  const stored = unlessNotFound(() => tx.getEvaluation(evaluation.ID));
  // deleted with its job, or processed meanwhile
  if (stored === undefined || stored.Status !== EvalStatus.Pending) return;
  tx.updateEvaluation(evaluation.ID, {
    Status: status,
    ...(evaluation.Comment === '' ? {} : { Comment: evaluation.Comment }),
  });
}
