/** The node routes against a real node manager with fake compute nodes (reference 6.2, 5.4). */
import { describe, expect, it } from 'vitest';
import {
  call,
  expectApiError,
  keys,
  list,
  OrchestratorID,
  withApi,
  type ApiHarness,
  type W,
} from './harness.js';

const nodes = '/api/v1/orchestrator/nodes';
const A = 'n-aaaaaaaa-0000-4000-8000-000000000001';
const B = 'n-bbbbbbbb-0000-4000-8000-000000000002';
const C = 'n-cccccccc-0000-4000-8000-000000000003';

async function cluster(api: ApiHarness): Promise<void> {
  await api.node(A, { labels: { zone: 'eu', gpu: 'yes' }, capacity: { CPU: 2, Memory: 4e9, Disk: 50e9 } });
  await api.node(B, { labels: { zone: 'us' }, capacity: { CPU: 8, Memory: 1e9, Disk: 10e9, GPU: 1 } });
  await api.node(C, { labels: { zone: 'eu' }, capacity: { CPU: 4, Memory: 16e9, Disk: 20e9 } });
}

const ids = (answer: { body: W }): unknown[] => list(answer.body.Nodes).map((n) => n.Info.NodeID);

describe('GET /nodes', () => {
  it('lists NodeStates as {NextToken, Nodes}, field by field', async () => {
    await withApi({}, async (api) => {
      await cluster(api);
      const res = await call(api, 'GET', nodes);
      expect(res.status).toBe(200);
      expect(keys(res.body)).toEqual(['NextToken', 'Nodes']);
      expect(res.body.NextToken).toBe('');
      expect(ids(res)).toEqual([OrchestratorID, A, B, C]);
      const node = res.body.Nodes[1];
      expect(keys(node)).toEqual(['Info', 'Membership', 'Connection', 'ConnectionState']);
      expect(keys(node.Info)).toEqual([
        'NodeID',
        'NodeType',
        'Labels',
        'SupportedProtocols',
        'ComputeNodeInfo',
        'BacalhauVersion',
      ]);
      expect(node.Info.NodeType).toBe('Compute');
      expect(node.Info.Labels).toEqual({ gpu: 'yes', zone: 'eu' });
      expect(keys(node.Info.ComputeNodeInfo)).toEqual([
        'ExecutionEngines',
        'Publishers',
        'StorageSources',
        'MaxCapacity',
        'QueueCapacity',
        'AvailableCapacity',
        'MaxJobRequirements',
        'RunningExecutions',
        'EnqueuedExecutions',
        'address',
      ]);
      expect(node.Info.ComputeNodeInfo.MaxCapacity).toEqual({ CPU: 2, Memory: 4e9, Disk: 50e9 });
      expect(node.Membership).toBe('APPROVED');
      expect(node.Connection).toBe('CONNECTED');
      expect(node.ConnectionState.Status).toBe('CONNECTED');
      expect(keys(node.ConnectionState)).toEqual(
        expect.arrayContaining(['Status', 'LastHeartbeat', 'ConnectedSince', 'DisconnectedSince']),
      );
    });
  });

  it('orders by id, type, capacity (largest first) and membership, reversed on request, truncated by limit', async () => {
    await withApi({ manualApproval: true }, async (api) => {
      await cluster(api);
      await api.harness.manager.approveNode(B);
      const order = async (query: string): Promise<unknown[]> =>
        ids(await call(api, 'GET', `${nodes}?${query}`));
      expect(await order('order_by=id&reverse=true')).toEqual([C, B, A, OrchestratorID]);
      expect(await order('order_by=available_cpu')).toEqual([B, C, A, OrchestratorID]);
      expect(await order('order_by=available_memory')).toEqual([C, A, B, OrchestratorID]);
      expect(await order('order_by=available_disk')).toEqual([A, C, B, OrchestratorID]);
      expect((await order('order_by=available_gpu'))[0]).toBe(B);
      expect(await order('order_by=type')).toEqual([A, B, C, OrchestratorID]);
      expect(await order('order_by=approval')).toEqual([OrchestratorID, B, A, C]);
      expect(await order('order_by=status')).toEqual([OrchestratorID, B, A, C]);
      expect(await order('limit=2')).toEqual([OrchestratorID, A]);
      expectApiError(await call(api, 'GET', `${nodes}?order_by=name`), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /^invalid query parameter 'order_by': "name" is not one of "id", "type"/,
      });
    });
  });

  it('filters by approval, status and labels', async () => {
    await withApi({ manualApproval: true }, async (api) => {
      await cluster(api);
      await api.harness.manager.approveNode(A);
      await api.harness.manager.rejectNode(C);
      const filter = async (query: string): Promise<unknown[]> =>
        ids(await call(api, 'GET', `${nodes}?${query}`));
      expect(await filter('filter-approval=pending')).toEqual([B]);
      expect(await filter('filter-approval=APPROVED')).toEqual([OrchestratorID, A]);
      expect(await filter('filter-status=disconnected')).toEqual([C]);
      expect(await filter('labels=zone%3Deu')).toEqual([A, C]);
      expect(await filter('labels=zone%3Deu&labels=gpu')).toEqual([A]);
      expect(await filter('labels=zone%20notin%20(eu)')).toEqual([OrchestratorID, B]);
      expectApiError(await call(api, 'GET', `${nodes}?filter-approval=maybe`), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: `invalid query parameter 'filter-approval': "maybe" is not one of PENDING, APPROVED, REJECTED`,
      });
      expectApiError(await call(api, 'GET', `${nodes}?filter-status=up`), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /'filter-status'/,
      });
      expectApiError(await call(api, 'GET', `${nodes}?labels=zone%20in%20(`), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /^invalid query parameter 'labels': /,
      });
    });
  });
});

describe('GET /nodes/{id}', () => {
  it('answers {Node} by ID or unique prefix; 404 otherwise', async () => {
    await withApi({}, async (api) => {
      await cluster(api);
      const full = await call(api, 'GET', `${nodes}/${A}`);
      expect(full.status).toBe(200);
      expect(keys(full.body)).toEqual(['Node']);
      expect(full.body.Node.Info.NodeID).toBe(A);
      expect((await call(api, 'GET', `${nodes}/n-bbb`)).body.Node.Info.NodeID).toBe(B);
      expectApiError(await call(api, 'GET', `${nodes}/n-zzz`), {
        status: 404,
        code: 'NotFound',
        component: 'NodesManager',
        message: 'node not found: n-zzz',
      });
      const ambiguous = await call(api, 'GET', `${nodes}/n-`);
      expect(ambiguous.status).toBe(409);
      expect(ambiguous.body.Code).toBe('MultipleNodesFound');
    });
  });

  it('answers 400 "missing node id" to a path that ends at the slash, as Go', async () => {
    await withApi({}, async (api) => {
      for (const method of ['GET', 'PUT'] as const) {
        expectApiError(
          await call(api, method, `${nodes}/`, method === 'PUT' ? { Action: 'approve' } : undefined),
          {
            status: 400,
            code: 'InternalError',
            component: 'APIServer',
            message: 'missing node id',
          },
        );
      }
    });
  });
});

describe('PUT /nodes/{id}', () => {
  it('approves, rejects and deletes, answering {Success: true}', async () => {
    await withApi({ manualApproval: true }, async (api) => {
      await cluster(api);
      const approve = await call(api, 'PUT', `${nodes}/${A}`, {
        Action: 'approve',
        NodeID: A,
        Message: 'ok',
      });
      expect(approve.status).toBe(200);
      expect(approve.body).toEqual({ Success: true });
      expect(keys(approve.body)).toEqual(['Success']);
      expect((await call(api, 'GET', `${nodes}/${A}`)).body.Node.Membership).toBe('APPROVED');

      expect((await call(api, 'PUT', `${nodes}/n-bbb`, { action: 'REJECT' })).body).toEqual({
        Success: true,
      });
      const rejected = (await call(api, 'GET', `${nodes}/${B}`)).body.Node;
      expect(rejected.Membership).toBe('REJECTED');
      expect(rejected.ConnectionState.Status).toBe('DISCONNECTED');

      expect((await call(api, 'PUT', `${nodes}/${C}`, { Action: 'delete' })).body).toEqual({ Success: true });
      expect((await call(api, 'GET', `${nodes}/${C}`)).status).toBe(404);
    });
  });

  it('answers 409 for a repeated approval, 404 for an unknown node, 400 for an unknown action', async () => {
    await withApi({ manualApproval: true }, async (api) => {
      await cluster(api);
      await call(api, 'PUT', `${nodes}/${A}`, { Action: 'approve' });
      const again = await call(api, 'PUT', `${nodes}/${A}`, { Action: 'approve' });
      expectApiError(again, {
        status: 409,
        code: 'ConflictNodeState',
        component: 'NodesManager',
        message: `node ${A} already approved`,
      });
      expectApiError(await call(api, 'PUT', `${nodes}/n-zzz`, { Action: 'approve' }), {
        status: 404,
        code: 'NotFound',
        component: 'NodesManager',
      });
      expectApiError(await call(api, 'PUT', `${nodes}/${A}`, { Action: 'pause' }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: `invalid field 'Action': unsupported action "pause", expected one of approve, reject, delete`,
      });
      expectApiError(await call(api, 'PUT', `${nodes}/${A}`, { Action: 3 }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: "field: 'Action' in 'PutNodeRequest' is invalid type: 'number' expected: 'string'",
      });
    });
  });
});
