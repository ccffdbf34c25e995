/**
 * Follow-up evaluations a scheduler asks for (Go `Evaluation.NewDelayedEvaluation` plus
 * `WithTriggeredBy` / `WithComment`): the same job, namespace, type and priority as the evaluation being
 * processed, pending, held by the broker until `WaitUntil`.
 */
import { newJobEvaluation } from '../../models/evaluation.js';
import { newEvaluationID, type EvalTrigger, type Evaluation } from '../../models/index.js';
import { goTime, msToNanos } from '../../models/go-time.js';

export interface DelayedEvaluationOptions {
  /** When the broker may deliver it, epoch milliseconds. */
  waitUntilMs: number;
  /** Stamped as CreateTime and ModifyTime, epoch milliseconds. */
  nowMs: number;
  /** Default: the trigger of the evaluation it follows. */
  triggeredBy?: EvalTrigger;
  comment?: string;
  /** Default `v-<uuid>`. */
  id?: string;
}

export function newDelayedEvaluation(from: Evaluation, options: DelayedEvaluationOptions): Evaluation {
  const now = msToNanos(options.nowMs);
  const subject = { ID: from.JobID, Namespace: from.Namespace, Priority: from.Priority, Type: from.Type };
  return newJobEvaluation(subject, options.triggeredBy ?? from.TriggeredBy, options.id ?? newEvaluationID(), {
    comment: options.comment ?? '',
    waitUntil: goTime(options.waitUntilMs),
    now,
  });
}
