/**
 * `/api/v1/orchestrator/nodes…` (Go's `endpoint/orchestrator/node.go`, reference 6.2).
 *
 * Deliberate differences from Go (a user's mistake is never a 500, and is never silently ignored):
 * an unknown `Action` is a 400 naming the field (Go: 500 `unsupported action`), actions are matched
 * case-insensitively; unknown `filter-approval` / `filter-status` values are a 400 (Go: an empty list).
 */
import { Type } from '@sinclair/typebox';
import { matchesAll } from '../../../models/selector.js';
import type { NodeState } from '../../../models/node.js';
import type { Resources } from '../../../models/resources.js';
import { nodeStateSchema } from '../../../models/schemas.js';
import { NodeAction, nodeActions, nodeOrderByValues, type NodeOrderBy } from '../../apimodels/constants.js';
import {
  getNodeResponseSchema,
  listNodesResponseSchema,
  putNodeRequestSchema,
  putNodeResponseSchema,
  type PutNodeRequestBody,
} from '../../apimodels/wire.js';
import { decodeBody } from '../body.js';
import { requestError } from '../errors.js';
import { prettyParam, StringEnum, UInt32 } from '../query.js';
import { defineRoute, type RouteDef } from '../route.js';
import type { ApiNodeService } from '../types.js';
import { parseLabelsParam } from './jobs.js';

const nodesUrl = '/api/v1/orchestrator/nodes';
const nodeIdDescription = 'Node ID or unique node ID prefix';

const approvalValues = ['PENDING', 'APPROVED', 'REJECTED'];
const statusValues = ['CONNECTED', 'DISCONNECTED'];

type Compare = (a: NodeState, b: NodeState) => number;

const cmp = <T extends string | number>(x: T, y: T): number => (x < y ? -1 : x > y ? 1 : 0);
const available = (node: NodeState): Partial<Resources> => node.Info.ComputeNodeInfo?.AvailableCapacity ?? {};

/** Go's `getSortFunction`: capacities sort largest first, approval and status both by membership. */
function sortFunction(orderBy: NodeOrderBy): Compare {
  switch (orderBy) {
    case '':
    case 'id':
      return (a, b) => cmp(a.Info.NodeID, b.Info.NodeID);
    case 'type':
      return (a, b) => cmp(a.Info.NodeType, b.Info.NodeType);
    case 'available_cpu':
      return (a, b) => cmp(available(b).CPU ?? 0, available(a).CPU ?? 0);
    case 'available_memory':
      return (a, b) => cmp(available(b).Memory ?? 0, available(a).Memory ?? 0);
    case 'available_disk':
      return (a, b) => cmp(available(b).Disk ?? 0, available(a).Disk ?? 0);
    case 'available_gpu':
      return (a, b) => cmp(available(b).GPU ?? 0, available(a).GPU ?? 0);
    case 'approval':
    case 'status':
      return (a, b) => cmp(a.Membership, b.Membership);
  }
}

function upperChoice(name: string, value: string | undefined, choices: readonly string[]): string {
  if (value === undefined) return '';
  const upper = value.toUpperCase();
  if (!choices.includes(upper)) {
    throw requestError(
      `invalid query parameter '${name}': ${JSON.stringify(value)} is not one of ${choices.join(', ')}`,
      { details: { parameter: name } },
    );
  }
  return upper;
}

export function nodeRoutes(nodes: ApiNodeService): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: nodesUrl,
      operationId: 'orchestrator/listNodes',
      summary: 'Returns a list of orchestrator nodes.',
      description: '`limit` truncates the list; NextToken is always empty (as in Bacalhau).',
      tags: ['Orchestrator'],
      query: Type.Object({
        limit: Type.Optional(UInt32('Return at most this many nodes; 0 = all')),
        next_token: Type.Optional(Type.String({ description: 'Ignored' })),
        order_by: Type.Optional(StringEnum(nodeOrderByValues, "Sort key ('' = id)")),
        reverse: Type.Optional(Type.Boolean({ description: 'Reverse the order' })),
        'filter-approval': Type.Optional(
          Type.String({ description: 'PENDING, APPROVED or REJECTED (case-insensitive)' }),
        ),
        'filter-status': Type.Optional(
          Type.String({ description: 'CONNECTED or DISCONNECTED (case-insensitive)' }),
        ),
        labels: Type.Optional(Type.Array(Type.String(), { description: 'Label selector (k8s syntax)' })),
        pretty: prettyParam(),
      }),
      response: listNodesResponseSchema,
      async handler({ query }) {
        const selector = parseLabelsParam(query.labels);
        const approval = upperChoice('filter-approval', query['filter-approval'], approvalValues);
        const status = upperChoice('filter-status', query['filter-status'], statusValues);
        const base = sortFunction(query.order_by ?? '');
        const compare: Compare = query.reverse === true ? (a, b) => base(b, a) : base;
        const matching = await nodes.list(
          (node) =>
            (approval === '' || node.Membership === approval) &&
            (status === '' || node.ConnectionState.Status === status) &&
            matchesAll(selector, node.Info.Labels ?? {}),
        );
        matching.sort(compare);
        const limit = query.limit ?? 0;
        const items = limit > 0 && matching.length > limit ? matching.slice(0, limit) : matching;
        return {
          body: { NextToken: '', Nodes: items },
          schema: listNodesResponseSchema,
          listItem: nodeStateSchema,
        };
      },
    }),

    defineRoute({
      method: 'GET',
      url: `${nodesUrl}/:id`,
      operationId: 'orchestrator/getNode',
      summary: 'Get an orchestrator node.',
      tags: ['Orchestrator'],
      idDescription: nodeIdDescription,
      query: Type.Object({ pretty: prettyParam() }),
      response: getNodeResponseSchema,
      errors: [404, 409],
      async handler({ id }) {
        return { body: { Node: await nodes.get(nodeIdOf(id)) }, schema: getNodeResponseSchema };
      },
    }),

    defineRoute({
      method: 'PUT',
      url: `${nodesUrl}/:id`,
      operationId: 'orchestrator/updateNode',
      summary: 'Update an orchestrator node.',
      description:
        'Action `approve` (a pending node), `reject` or `delete`. The node is the one in the path; the ' +
        'body\u2019s NodeID and Message are informational.',
      tags: ['Orchestrator'],
      idDescription: nodeIdDescription,
      query: Type.Object({ pretty: prettyParam() }),
      body: putNodeRequestSchema,
      response: putNodeResponseSchema,
      errors: [404, 409],
      async handler({ id: path, body: raw }) {
        const id = nodeIdOf(path);
        const body = decodeBody<PutNodeRequestBody>(raw, putNodeRequestSchema());
        const action = (body.Action ?? '').trim().toLowerCase();
        switch (action) {
          case NodeAction.Approve:
            await nodes.approveNode(id);
            break;
          case NodeAction.Reject:
            await nodes.rejectNode(id);
            break;
          case NodeAction.Delete:
            await nodes.deleteNode(id);
            break;
          default:
            throw requestError(
              `invalid field 'Action': unsupported action ${JSON.stringify(body.Action ?? '')}, expected one of ` +
                nodeActions.join(', '),
              { details: { field: 'Action' } },
            );
        }
        return { body: { Success: true }, schema: putNodeResponseSchema };
      },
    }),
  ];
}

/** Go's answer to `/nodes/` with nothing after the slash. */
function nodeIdOf(id: string): string {
  if (id === '') throw requestError('missing node id');
  return id;
}
