/**
 * Fixtures for scheduler tests: a fixed time, nodes, jobs, executions and evaluations, a selector
 * without random jitter, sequential IDs, and a compact view of a plan for field-by-field assertions.
 * Not used by production code.
 */
import type {
  Evaluation,
  Execution,
  ExecutionDesiredStateType,
  ExecutionStateType,
  Job,
  JobStateType,
  NodeConnection,
  NodeMembership,
  NodeState,
  Plan,
  TimeoutConfig,
} from '../../models/index.js';
import { ZeroTime } from '../../models/index.js';
import { seededRandom } from '../../lib/random.js';
import {
  RankingNodeSelector,
  createDefaultNodeRanker,
  type MatchingNodesOptions,
  type NodeRanker,
  type NodeSelection,
  type NodeSelector,
} from '../selection/index.js';
import {
  computeNode,
  job as selectionJob,
  nodeState,
  type ComputeNodeFixture,
} from '../selection/testing.js';
import type { IdGenerator, Scheduler, SchedulerInput, SchedulerOptions } from './types.js';

/** 2024-01-01T00:00:00Z, the time of every test decision unless a test says otherwise. */
export const NOW = Date.UTC(2024, 0, 1);
export const NOW_NS = NOW * 1e6;
/** Seconds → nanoseconds, for CreateTime / ModifyTime offsets. */
export const secondsNs = (s: number): number => s * 1e9;

/**
 * A selector running Bacalhau's ranker chain with the jitter fixed at 0, so ties keep node order, and
 * samples that are the first nodes of the list (every draw 0 leaves the permutation as it is).
 */
export function fixedSelector(): RankingNodeSelector {
  const zero = { next: () => 0 };
  return new RankingNodeSelector(createDefaultNodeRanker({ random: zero }), { random: zero });
}

/** A selector that records what it is asked and how many nodes its ranker ranks, around `fixedSelector`. */
export class RecordingSelector implements NodeSelector {
  readonly requests: MatchingNodesOptions[] = [];
  /** Nodes ranked per ranker call. */
  readonly rankedPerCall: number[] = [];
  readonly #inner: NodeSelector;

  constructor() {
    const ranker = createDefaultNodeRanker({ random: { next: () => 0 } });
    const counting: NodeRanker = {
      rankNodes: (j, infos, context) => {
        this.rankedPerCall.push(infos.length);
        return ranker.rankNodes(j, infos, context);
      },
    };
    this.#inner = new RankingNodeSelector(counting, { random: seededRandom(1) });
  }

  matchingNodes(j: Job, options: MatchingNodesOptions): NodeSelection {
    this.requests.push(options);
    return this.#inner.matchingNodes(j, options);
  }
}

/** What a scheduler asked its selector for in a frozen cluster of `size` nodes plus one wasm-only node. */
export interface LargeClusterRun {
  plan: Plan;
  /** `want` of each selection. */
  wants: (number | undefined)[];
  /** Nodes ranked per ranker call. */
  rankedPerCall: number[];
}

/** Processes `j` with a {@link RecordingSelector} and no execution limit in a large frozen cluster. */
export function processInLargeCluster(
  newScheduler: (options: SchedulerOptions) => Scheduler,
  j: Job,
  size: number,
): LargeClusterRun {
  const selector = new RecordingSelector();
  const nodeList = Object.freeze([...numberedNodes(size), wasmOnlyNode('nodeW')]);
  const plan = newScheduler(testOptions({ selector, maxExecutionsPerEval: 0 })).process({
    ...input({ job: j }),
    nodes: nodeList,
  });
  return { plan, wants: selector.requests.map((r) => r.want), rankedPerCall: selector.rankedPerCall };
}

/** `e-1`, `e-2`, … and `v-1`, `v-2`, … */
export function sequentialIds(): IdGenerator {
  let executions = 0;
  let evaluations = 0;
  return {
    execution: () => `e-${++executions}`,
    evaluation: () => `v-${++evaluations}`,
  };
}

export function testOptions(over: SchedulerOptions = {}): SchedulerOptions {
  return { selector: fixedSelector(), ids: sequentialIds(), ...over };
}

export interface NodeFixture extends ComputeNodeFixture {
  membership?: NodeMembership;
  connection?: NodeConnection;
}

export function node(id: string, f: NodeFixture = {}): NodeState {
  return nodeState(computeNode(id, f), f.membership ?? 'APPROVED', f.connection ?? 'CONNECTED');
}

/** Approved, connected, identical compute nodes. */
export function nodes(...ids: string[]): NodeState[] {
  return ids.map((id) => node(id));
}

/** `node0`, `node1`, … `node<n−1>`. */
export function numberedNodes(n: number, from = 0): NodeState[] {
  return nodes(...Array.from({ length: n }, (_, i) => `node${from + i}`));
}

export interface JobFixture extends Partial<Job> {
  state?: JobStateType;
  timeouts?: TimeoutConfig;
  /** The job's engine; default docker. */
  engine?: string;
}

/** When fixture jobs were created: one second before NOW. */
export const CREATED_NS = NOW_NS - 1e9;

/** A docker batch job `j-1` (Count 1, priority 50) created at CREATED_NS, Pending, version 1. */
export function job(f: JobFixture = {}): Job {
  const { state, timeouts, engine, ...over } = f;
  const base = selectionJob(
    {
      CreateTime: CREATED_NS,
      ModifyTime: CREATED_NS,
      State: { StateType: state ?? 'Pending' },
      Priority: 50,
      ...over,
    },
    {
      ...(timeouts === undefined ? {} : { Timeouts: timeouts }),
      ...(engine === undefined ? {} : { Engine: { Type: engine, Params: {} } }),
    },
  );
  return base;
}

export interface ExecFixture {
  id?: string;
  desired?: ExecutionDesiredStateType;
  partition?: number;
  version?: number;
  /** Nanoseconds; default NOW_NS. */
  modified?: number;
  /** The compute state's message (why it failed, say). */
  message?: string;
}

/** An execution of job `j-1`; desired state defaults to what the compute state implies. */
export function exec(nodeID: string, state: ExecutionStateType, f: ExecFixture = {}): Execution {
  const desired: ExecutionDesiredStateType =
    f.desired ??
    (['BidAccepted', 'Running', 'Publishing', 'Completed'].includes(state)
      ? 'Running'
      : ['AskForBidRejected', 'BidRejected', 'Cancelled', 'Failed'].includes(state)
        ? 'Stopped'
        : 'Pending');
  const partition = f.partition ?? 0;
  const version = f.version ?? 1;
  return {
    ID: f.id ?? `e-${nodeID}-${state}-p${partition}-v${version}`,
    Namespace: 'default',
    EvalID: 'v-old',
    Name: '',
    NodeID: nodeID,
    JobID: 'j-1',
    JobVersion: version,
    DesiredState: { StateType: desired },
    ComputeState: f.message === undefined ? { StateType: state } : { StateType: state, Message: f.message },
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    PartitionIndex: partition,
    Revision: 1,
    CreateTime: f.modified ?? NOW_NS,
    ModifyTime: f.modified ?? NOW_NS,
  };
}

export function evaluation(j: Job, trigger: string = 'job-register'): Evaluation {
  return {
    ID: 'v-eval',
    Namespace: j.Namespace,
    JobID: j.ID,
    TriggeredBy: trigger,
    Priority: j.Priority,
    Type: j.Type,
    Status: 'pending',
    Comment: '',
    WaitUntil: ZeroTime,
    CreateTime: NOW_NS,
    ModifyTime: NOW_NS,
  };
}

export interface InputFixture {
  job: Job;
  executions?: Execution[];
  nodes?: NodeState[];
  trigger?: string;
  now?: number | Date;
  versionSubmitTime?: number;
}

export function input(f: InputFixture): SchedulerInput {
  return {
    evaluation: evaluation(f.job, f.trigger),
    receipt: 'receipt-1',
    job: f.job,
    executions: f.executions ?? [],
    nodes: f.nodes ?? [],
    now: f.now ?? NOW,
    ...(f.versionSubmitTime === undefined ? {} : { versionSubmitTime: f.versionSubmitTime }),
  };
}

/** One update of the plan, compactly: `<execution ID> → <desired>/<compute>: <event message>`. */
export function updates(plan: Plan): string[] {
  return [...plan.UpdatedExecutions.values()].map(
    (u) => `${u.Execution.ID} → ${u.DesiredState}/${u.ComputeState}: ${u.Event.Message}`,
  );
}

/** New executions, compactly: `<node>#<partition> <desired>/<compute>`. */
export function created(plan: Plan): string[] {
  return plan.NewExecutions.map(
    (e) => `${e.NodeID}#${e.PartitionIndex} ${e.DesiredState.StateType}/${e.ComputeState.StateType}`,
  );
}

export function jobEvents(plan: Plan): string[] {
  return plan.JobEvents.map((e) => `${e.Topic}: ${e.Message}`);
}

export interface EvalSummary {
  TriggeredBy: string;
  WaitUntil: string;
  Comment: string;
}

export function newEvals(plan: Plan): EvalSummary[] {
  return plan.NewEvaluations.map(({ TriggeredBy, WaitUntil, Comment }) => ({
    TriggeredBy,
    WaitUntil,
    Comment,
  }));
}

/** Every node ID in a plan's new executions, in order. */
export const createdOn = (plan: Plan): string[] => plan.NewExecutions.map((e) => e.NodeID);

/** A node that offers only wasm, so the engines ranker rejects it for docker jobs. */
export function wasmOnlyNode(id: string): NodeState {
  return node(id, { engines: ['wasm'] });
}

/** The plan decides nothing: no job state, no executions, updates, evaluations or events. */
export function isEmptyPlan(plan: Plan): boolean {
  return (
    plan.DesiredJobState === 'Undefined' &&
    plan.NewExecutions.length === 0 &&
    plan.UpdatedExecutions.size === 0 &&
    plan.NewEvaluations.length === 0 &&
    plan.JobEvents.length === 0 &&
    plan.ExecutionEvents.size === 0
  );
}
