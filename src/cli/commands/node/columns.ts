/** The columns of `node list` (Bacalhau's `cmd/cli/node/columns.go`): always shown, and `--show` groups. */
import { shortNodeID } from '../../../models/ids.js';
import type { ComputeNodeInfo, NodeState } from '../../../models/node.js';
import type { Column } from '../../output/index.js';
import { humanBytes } from './bytes.js';

const ShortIDWidth = 10; // `n-` + 8 characters

export const alwaysColumns: readonly Column<NodeState>[] = [
  { name: 'id', maxWidth: ShortIDWidth, overflow: (id) => shortNodeID(id), value: (n) => n.Info.NodeID },
  { name: 'type', value: (n) => n.Info.NodeType },
  { name: 'approval', value: (n) => n.Membership },
  { name: 'status', value: (n) => n.ConnectionState.Status },
];

/** A compute node's figure; empty for an orchestrator. */
function ifCompute(read: (info: ComputeNodeInfo) => string): (n: NodeState) => string {
  return (n) => (n.Info.NodeType === 'Compute' ? read(n.Info.ComputeNodeInfo) : '');
}

export const columnGroups: Readonly<Record<string, readonly Column<NodeState>[]>> = {
  labels: [
    {
      name: 'labels',
      maxWidth: 50,
      value: (n) =>
        Object.entries(n.Info.Labels)
          .map(([k, v]) => `${k}=${v}`)
          .sort()
          .join(' '),
    },
  ],
  version: [
    { name: 'version', value: (n) => n.Info.BacalhauVersion.GitVersion },
    { name: 'architecture', value: (n) => n.Info.BacalhauVersion.GOARCH },
    { name: 'os', value: (n) => n.Info.BacalhauVersion.GOOS },
  ],
  features: [
    { name: 'engines', maxWidth: 7, value: ifCompute((c) => c.ExecutionEngines.join(' ')) },
    { name: 'inputs from', maxWidth: 15, value: ifCompute((c) => c.StorageSources.join(' ')) },
    { name: 'outputs', maxWidth: 10, value: ifCompute((c) => c.Publishers.join(' ')) },
  ],
  capacity: [
    {
      name: 'cpu',
      maxWidth: 6,
      value: ifCompute((c) => `${c.AvailableCapacity.CPU.toFixed(1)} / ${c.MaxCapacity.CPU.toFixed(1)}`),
    },
    {
      name: 'memory',
      maxWidth: 10,
      value: ifCompute(
        (c) => `${humanBytes(c.AvailableCapacity.Memory)} / ${humanBytes(c.MaxCapacity.Memory)}`,
      ),
    },
    {
      name: 'disk',
      maxWidth: 11,
      value: ifCompute((c) => `${humanBytes(c.AvailableCapacity.Disk)} / ${humanBytes(c.MaxCapacity.Disk)}`),
    },
    {
      name: 'gpu',
      maxWidth: 4,
      value: ifCompute((c) => `${c.AvailableCapacity.GPU} / ${c.MaxCapacity.GPU}`),
    },
  ],
};
