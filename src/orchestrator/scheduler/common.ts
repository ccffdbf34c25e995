/**
 * The steps the schedulers share, in Go's order: start a plan, cancel everything of a terminal job, fail
 * executions on lost nodes, enforce the batch/ops timeouts, retire executions of older job versions, and
 * create executions.
 */
import {
  BacalhauError,
  ErrorCode,
  add,
  appendNewExecution,
  emptyRunCommandResult,
  EventDetail,
  NodeConnection,
  NodeMembership,
  executionTimeoutSeconds,
  isExecutingExecutionState,
  isPlanJobFailed,
  isTerminalJobState,
  markJobFailed,
  newPlan,
  type Event,
  type Execution,
  type ExecutionDesiredStateType,
  type Job,
  type NodeState,
  type Plan,
  type Resources,
} from '../../models/index.js';
import { EventTopic, OrchestratorEvents } from '../events.js';
import { NodeManagerMessages } from '../nodes/manager.js';
import type { NodeSelection, SelectionFailure } from '../selection/index.js';
import { jobResources } from '../selection/ranking/index.js';
import { msToNanos, NanosPerSecond } from '../../models/go-time.js';
import {
  difference,
  expiredExecutions,
  inDesiredState,
  markStopped,
  nonTerminal,
  notOfVersion,
  split,
  splitByCount,
  union,
  type Executions,
} from './exec-set.js';
import { applyRateLimit } from './rate-limiter.js';
import type { CompiledSchedulerOptions, SchedulerInput } from './types.js';

/** One scheduler run: the input, the plan being built, and the time in both units. */
export interface Run {
  readonly input: SchedulerInput;
  readonly options: CompiledSchedulerOptions;
  readonly job: Job;
  readonly plan: Plan;
  /** Events stamped with the run's time. */
  readonly events: OrchestratorEvents;
  readonly nowMs: number;
  readonly nowNs: number;
  /** Unix ns the total and queue timeouts count from (see SchedulerInput.versionSubmitTime). */
  readonly timeoutsFrom: number;
}

export function startRun(input: SchedulerInput, options: CompiledSchedulerOptions): Run {
  if (input.job.ID !== input.evaluation.JobID) {
    throw new BacalhauError(
      `evaluation ${input.evaluation.ID} is for job ${input.evaluation.JobID}, not ${input.job.ID}`,
      { code: ErrorCode.InternalError, component: 'Scheduler' },
    );
  }
  const nowMs = typeof input.now === 'number' ? input.now : input.now.getTime();
  return {
    input,
    options,
    job: input.job,
    plan: newPlan(input.evaluation, input.job, input.receipt ?? ''),
    events: new OrchestratorEvents(() => new Date(nowMs)),
    nowMs,
    nowNs: msToNanos(nowMs),
    timeoutsFrom: input.versionSubmitTime ?? input.job.CreateTime,
  };
}

/**
 * A terminal job (stopped, completed, failed) gets every live execution cancelled and nothing else.
 * Returns true when the job was terminal.
 */
export function cancelIfJobTerminal(run: Run, live: Executions): boolean {
  if (!isTerminalJobState(run.job.State.StateType)) return false;
  markStopped(run.plan, live, () => run.events.execStoppedByJobStop(), 'Cancelled');
  return true;
}

/** The IDs of the CONNECTED nodes per frozen node list (the worker's node cache reuses one). */
const connectedByNodeList = new WeakMap<readonly NodeState[], ReadonlySet<string>>();

/** The IDs of the CONNECTED nodes of `nodes`: O(nodes) once per frozen list, then O(1). */
function connectedNodeIDs(nodes: readonly NodeState[]): ReadonlySet<string> {
  let connected = connectedByNodeList.get(nodes);
  if (connected === undefined) {
    connected = new Set(
      nodes.filter((n) => n.ConnectionState.Status === NodeConnection.Connected).map((n) => n.Info.NodeID),
    );
    // Only a frozen list is known not to change under the same identity.
    if (Object.isFrozen(nodes)) connectedByNodeList.set(nodes, connected);
  }
  return connected;
}

/**
 * Fails the executions whose node is unknown or not CONNECTED: "node has been rejected" when an
 * operator rejected it, "its node shut down" when the node said it was leaving (Go says "node has
 * disappeared" for both), else "node has disappeared". Returns [healthy, lost]. Costs O(live
 * executions) once the node list has been indexed.
 */
export function failLostExecutions(run: Run, live: Executions): [Execution[], Execution[]] {
  if (live.length === 0) return [[], []];
  const connected = connectedNodeIDs(run.input.nodes);
  const [healthy, lost] = split(live, (e) => connected.has(e.NodeID));
  if (lost.length === 0) return [healthy, lost];
  const nodesWhere = (test: (node: NodeState) => boolean): Set<string> =>
    new Set(run.input.nodes.filter(test).map((n) => n.Info.NodeID));
  const rejected = nodesWhere((n) => n.Membership === NodeMembership.Rejected);
  const shutDown = nodesWhere((n) => n.ConnectionState.LastError === NodeManagerMessages.gracefulShutdown);
  const [byOperator, rest] = split(lost, (e) => rejected.has(e.NodeID));
  const [byShutdown, disappeared] = split(rest, (e) => shutDown.has(e.NodeID));
  markStopped(run.plan, byOperator, () => run.events.execStoppedByNodeRejected(), 'Failed');
  markStopped(run.plan, byShutdown, () => run.events.execStoppedByNodeShutdown(), 'Failed');
  markStopped(run.plan, disappeared, () => run.events.execStoppedByNodeUnhealthy(), 'Failed');
  return [healthy, lost];
}

/**
 * Batch and ops jobs: past `TotalTimeout` since the job's version was submitted the job fails ("Job timed out");
 * otherwise executions that have been executing (BidAccepted, Running, Publishing) without an update
 * for longer than the execution timeout (falling back to the total timeout) fail. Returns
 * [still live, timed out].
 */
export function enforceTimeouts(run: Run, live: Executions): [Execution[], Execution[]] {
  const timeouts = run.job.Tasks[0]?.Timeouts ?? {};
  const total = timeouts.TotalTimeout ?? 0;
  if (total > 0 && run.timeoutsFrom < run.nowNs - total * NanosPerSecond) {
    markJobFailed(run.plan, run.events.jobTimeout(total));
    return [[...live], []];
  }
  const perExecution = executionTimeoutSeconds(timeouts);
  if (perExecution <= 0) return [[...live], []];
  const [timedOut, remaining] = expiredExecutions(live, run.nowNs - perExecution * NanosPerSecond);
  markStopped(run.plan, timedOut, () => run.events.executionTimeout(perExecution), 'Failed');
  return [remaining, timedOut];
}

/**
 * After a job update: executions of older versions that were never allowed to run are cancelled; those
 * desired Running are cancelled too, oldest first, up to the rate limit ("Execution stopped for job
 * update"). Returns the live executions that remain: the current version's and the old running ones
 * left for a later evaluation.
 */
export function retirePreviousVersions(run: Run, live: Executions): Execution[] {
  const previous = notOfVersion(live, run.job.Version);
  if (previous.length === 0) return [...live];
  markStopped(
    run.plan,
    inDesiredState(previous, 'Pending'),
    () => run.events.execStoppedForJobUpdate(),
    'Cancelled',
  );
  const running = inDesiredState(previous, 'Running');
  const allowed = applyRateLimit(run.options, run.plan, running.length, run.nowMs);
  const [toCancel, kept] = splitByCount(running, allowed);
  markStopped(run.plan, toCancel, () => run.events.execStoppedForJobUpdate(), 'Cancelled');
  return union(difference(live, previous), kept);
}

/**
 * The nodes that match the run's job (the selector may rank a sample when `want` is given), counting
 * what this plan stops on a node as free there (`RankingContext.released`).
 */
export function matchingNodes(run: Run, want?: number): NodeSelection {
  const released = releasedByPlan(run);
  return run.options.selector.matchingNodes(run.job, {
    nodes: run.input.nodes,
    executions: run.input.executions,
    ...(want === undefined ? {} : { want }),
    ...(released === undefined ? {} : { released }),
  });
}

/**
 * What the executions this plan stops hold on their nodes (those a node runs or has queued), by node.
 * The orchestrator does not keep what a node set aside for an execution, nor an old version's spec at
 * hand: what the job's current version asks for stands for it (the rankers never give back more than
 * a node reports in use).
 */
function releasedByPlan(run: Run): ((nodeID: string) => Resources | undefined) | undefined {
  const byNode = new Map<string, Resources>();
  let asked: Resources | undefined;
  for (const { Execution: execution, DesiredState } of run.plan.UpdatedExecutions.values()) {
    if (DesiredState !== 'Stopped' || !isExecutingExecutionState(execution.ComputeState.StateType)) continue;
    asked ??= jobResources(run.job);
    const held = byNode.get(execution.NodeID);
    byNode.set(execution.NodeID, held === undefined ? asked : add(held, asked));
  }
  return byNode.size === 0 ? undefined : (nodeID) => byNode.get(nodeID);
}

/** Every execution of the input that is not terminal (neither desired Stopped nor finished). */
export function liveExecutions(run: Run): Execution[] {
  return nonTerminal(run.input.executions);
}

export function isFailed(run: Run): boolean {
  return isPlanJobFailed(run.plan);
}

/**
 * Adds a new execution of the job's current version on `nodeID` to the plan, built and normalised as Go
 * does (ComputeState New; `Job` attached for the compute node; times and revision left to the store),
 * with its "Requested execution on <node>" event.
 */
export function addExecution(
  run: Run,
  nodeID: string,
  desired: ExecutionDesiredStateType,
  partitionIndex = 0,
): Execution {
  const { job, plan } = run;
  const execution: Execution = {
    ID: run.options.ids.execution(),
    Namespace: job.Namespace,
    EvalID: plan.EvalID,
    Name: '',
    NodeID: nodeID,
    JobID: job.ID,
    Job: job,
    JobVersion: job.Version,
    AllocatedResources: { Tasks: {} },
    DesiredState: { StateType: desired },
    ComputeState: { StateType: 'New' },
    PublishedResult: { Type: '' },
    RunOutput: emptyRunCommandResult(),
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    PartitionIndex: partitionIndex,
    Revision: 0,
    CreateTime: 0,
    ModifyTime: 0,
  };
  appendNewExecution(plan, execution, run.events.execCreated(execution));
  return execution;
}

/**
 * The event of a failed node selection, as Go's `EventFromError` builds it from `ErrNotEnoughNodes` /
 * `ErrNoMatchingNodes`: the message, `IsError`, the node counts, and `Retryable` when waiting may help.
 */
export function selectionFailureEvent(run: Run, failure: SelectionFailure): Event {
  const event = run.events.fromError(EventTopic.JobScheduling, new Error(failure.message));
  const details: Record<string, string> = { ...event.Details, ...failure.details };
  if (failure.retryable) details[EventDetail.Retryable] = 'true';
  return { ...event, Details: details };
}
