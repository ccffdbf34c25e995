/** Columns of executions (Bacalhau's `cmd/cli/job/executions.go`), for `job executions` and `job describe`. */
import type { Execution } from '../../../models/execution.js';
import { shortUUID } from '../../../models/ids.js';
import { dateTime, elapsed, fromNanos, shortenTime, type Column } from '../../output/index.js';
import { wrapPreservingNewlines } from './history-columns.js';

const ShortIDWidth = 10;

export const executionColumn = {
  created: {
    name: 'Created',
    maxWidth: 8,
    overflow: shortenTime,
    value: (e) => dateTime(fromNanos(e.CreateTime)),
  },
  modified: {
    name: 'Modified',
    maxWidth: 8,
    overflow: shortenTime,
    value: (e) => dateTime(fromNanos(e.ModifyTime)),
  },
  createdSince: { name: 'Created', maxWidth: 10, value: (e) => elapsed(fromNanos(e.CreateTime)) },
  modifiedSince: { name: 'Modified', maxWidth: 10, value: (e) => elapsed(fromNanos(e.ModifyTime)) },
  id: { name: 'ID', maxWidth: ShortIDWidth, overflow: (id) => shortUUID(id), value: (e) => e.ID },
  jobVersion: { name: 'Job Version', maxWidth: 11, value: (e) => String(e.JobVersion) },
  nodeID: {
    name: 'Node ID',
    maxWidth: ShortIDWidth,
    overflow: (id) => shortUUID(id),
    value: (e) => e.NodeID,
  },
  rev: { name: 'Rev.', maxWidth: 4, value: (e) => String(e.Revision) },
  state: { name: 'State', maxWidth: 17, value: (e) => e.ComputeState.StateType },
  desired: { name: 'Desired', maxWidth: 10, value: (e) => e.DesiredState.StateType },
  comment: {
    name: 'Comment',
    maxWidth: 40,
    overflow: wrapPreservingNewlines,
    value: (e) => e.ComputeState.Message ?? '',
  },
} satisfies Record<string, Column<Execution>>;
