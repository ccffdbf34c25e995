import type { Resources } from './resources.js';
import type { BuildVersionInfo } from './version.js';

export const NodeType = { Requester: 'Requester', Compute: 'Compute' } as const;
export type NodeType = (typeof NodeType)[keyof typeof NodeType];

export const NodeMembership = { Pending: 'PENDING', Approved: 'APPROVED', Rejected: 'REJECTED' } as const;
export type NodeMembership = (typeof NodeMembership)[keyof typeof NodeMembership];

export const NodeConnection = { Connected: 'CONNECTED', Disconnected: 'DISCONNECTED' } as const;
export type NodeConnection = (typeof NodeConnection)[keyof typeof NodeConnection];

export const Protocol = { NCLV1: 'ncl/v1', BProtocolV2: 'bprotocol/v2' } as const;
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** What a compute node offers (`models.ComputeNodeInfo`). */
export interface ComputeNodeInfo {
  ExecutionEngines: string[];
  Publishers: string[];
  StorageSources: string[];
  MaxCapacity: Resources;
  /** Go field QueueUsedCapacity, wire key `QueueCapacity`. */
  QueueCapacity: Resources;
  AvailableCapacity: Resources;
  MaxJobRequirements: Resources;
  RunningExecutions: number;
  EnqueuedExecutions: number;
  /** Lower-case on the wire. */
  address: string;
}

/** A node's self-description (`models.NodeInfo`). */
export interface NodeInfo {
  NodeID: string;
  NodeType: NodeType;
  Labels: Record<string, string>;
  SupportedProtocols: Protocol[];
  ComputeNodeInfo: ComputeNodeInfo;
  BacalhauVersion: BuildVersionInfo;
}

export interface ConnectionState {
  Status: NodeConnection;
  /** RFC 3339. */
  LastHeartbeat: string;
  LastComputeSeqNum?: number;
  LastOrchestratorSeqNum?: number;
  ConnectedSince: string;
  DisconnectedSince: string;
  /** "heartbeat timeout", "graceful shutdown" or "node rejected". */
  LastError?: string;
}

/** The orchestrator's view of a node (`models.NodeState`). */
export interface NodeState {
  Info: NodeInfo;
  Membership: NodeMembership;
  /** Deprecated duplicate of ConnectionState.Status. */
  Connection: NodeConnection;
  ConnectionState: ConnectionState;
}
