/**
 * `/api/v1/orchestrator/jobs…` (Go's `endpoint/orchestrator/job.go`, reference 6.1). Writes go through
 * the orchestrator's JobEndpoint; reads through the narrow {@link ApiJobReader}.
 */
import { Type } from '@sinclair/typebox';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import type { Job } from '../../../models/job.js';
import type { JobHistory } from '../../../models/job-history.js';
import { abbreviate } from '../../../lib/abbreviate.js';
import { matchesAll, parseLabelSelector, type LabelSelectorRequirement } from '../../../models/selector.js';
import type { SpecConfig } from '../../../models/spec-config.js';
import { executionSchema, jobHistorySchema, jobSchema } from '../../../models/schemas.js';
import { JobType } from '../../../models/constants.js';
import {
  HTTPHeader,
  jobOrderByValues,
  executionOrderByValues,
  type JobOrderBy,
} from '../../apimodels/constants.js';
import { decodePagingToken, encodePagingToken, type PagingToken } from '../../apimodels/paging-token.js';
import {
  diffJobRequestSchema,
  diffJobResponseSchema,
  getJobResponseSchema,
  listJobExecutionsResponseSchema,
  listJobHistoryResponseSchema,
  listJobResultsResponseSchema,
  listJobsResponseSchema,
  listJobVersionsResponseSchema,
  putJobRequestSchema,
  putJobResponseSchema,
  rerunJobRequestSchema,
  rerunJobResponseSchema,
  stopJobRequestSchema,
  stopJobResponseSchema,
  type DiffJobRequestBody,
  type GetJobResponse,
  type ListJobHistoryResponse,
  type PutJobRequestBody,
  type RerunJobRequestBody,
  type StopJobRequestBody,
} from '../../apimodels/wire.js';
import { decodeBody } from '../body.js';
import { asRequestError, requestError } from '../errors.js';
import { MaxJobWaitMs, nextRevision, waitParam } from '../job-waits.js';
import type { JobWaits } from '../job-waits.js';
import {
  choice,
  listParams,
  namespaceParam,
  prettyParam,
  StringEnum,
  UInt32,
  UInt64,
  versionedParams,
} from '../query.js';
import { defineRoute, type RouteDef } from '../route.js';
import type { ApiJobCommands, ApiJobReader, ApiResultTransformer } from '../types.js';

export const JobsTag = 'Orchestrator';
const jobsUrl = '/api/v1/orchestrator/jobs';
const jobIdDescription = 'Job name, full job ID or unique job ID prefix (the name is tried first)';

export interface JobRoutesDeps {
  jobs: ApiJobReader;
  endpoint: ApiJobCommands;
  resultTransformer?: ApiResultTransformer;
  /** Blocking reads of a job (`index` and `wait`); absent, they answer at once as Bacalhau does. */
  waits?: JobWaits;
}

/** A job spec the endpoint refuses answers as Go's request validator does (400, InternalError/APIServer). */
function specValidation(err: unknown): unknown {
  return err instanceof BacalhauError && err.code === ErrorCode.ValidationError ? asRequestError(err) : err;
}

function header(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * The longest `labels` selector read (every parameter joined). Parsing one takes the event loop about
 * 2 µs per requirement, and matching it as much per listed job: the megabyte of query the headers may
 * hold took ~0.5 s per request to parse alone. Beyond Go, which sets no bound; real selectors are tens
 * of characters.
 */
export const MaxLabelSelectorLength = 64 * 1024;

/** Go's `labels` handling: every `labels` parameter joined by commas, parsed as one k8s selector. */
export function parseLabelsParam(labels: readonly string[] | undefined): LabelSelectorRequirement[] {
  if (labels === undefined || labels.length === 0) return [];
  const selector = labels.join(',');
  if (selector.length > MaxLabelSelectorLength) {
    throw requestError(
      `invalid query parameter 'labels': the selector is ${selector.length} characters long, more than ` +
        `the ${MaxLabelSelectorLength} accepted`,
      { details: { parameter: 'labels' } },
    );
  }
  try {
    return parseLabelSelector(selector);
  } catch (err) {
    if (!(err instanceof BacalhauError)) throw err;
    // the message may quote a long key already: the details do not echo it (and the query) in full again
    const details: Record<string, string> = { parameter: 'labels' };
    for (const [name, value] of Object.entries(err.details)) details[name] = abbreviate(value);
    throw requestError(`invalid query parameter 'labels': ${err.message}`, {
      details,
    });
  }
}

function decodeTokenParam(text: string): PagingToken {
  try {
    return decodePagingToken(text);
  } catch (err) {
    if (!(err instanceof BacalhauError)) throw err;
    throw requestError(err.message, { hint: err.hint, details: { parameter: 'next_token' } });
  }
}

/** Go's job store reads the history cursor, so its refusal is the store's: BadRequest, JobStore. */
function decodeHistoryToken(text: string): PagingToken {
  try {
    return decodePagingToken(text, { marked: false });
  } catch (err) {
    if (!(err instanceof BacalhauError)) throw err;
    throw new BacalhauError(`invalid next token: ${err.message}`, {
      code: ErrorCode.BadRequest,
      component: 'JobStore',
      hint: err.hint,
    });
  }
}

/**
 * Clients older than v1.5 dereference the deprecated state-change fields of history entries; Go fills
 * them with empty values for those clients (`backwardCompatibleHistoryIfNecessary`). Go compares the
 * version strings as strings, and so does this.
 */
function backwardCompatibleHistory(items: JobHistory[], clientVersion: string): JobHistory[] {
  const explicit = clientVersion !== '' && clientVersion !== 'v0.0.0-xxxxxxx' && clientVersion !== 'v0.0.0';
  if (!explicit || clientVersion >= 'v1.5.') return items;
  return items.map((item) =>
    item.Type === 'JobLevel' ? { ...item, JobState: {} } : { ...item, ExecutionState: {} },
  );
}

/**
 * Every history entry of one version, for `include=history`. Go asks its store without a limit and gets
 * the store's default page, the first 100: the latest events of a busy version were missing.
 */
async function fullHistory(jobs: ApiJobReader, job: Job): Promise<JobHistory[]> {
  const pageSize = 1000;
  const items: JobHistory[] = [];
  let offset: number | undefined;
  for (;;) {
    const page = await jobs.getJobHistory(job.ID, {
      jobVersion: job.Version,
      limit: pageSize,
      ...(offset === undefined ? {} : { offset }),
    });
    items.push(...page.items);
    if (page.items.length < pageSize || page.next === undefined) return items;
    offset = page.next;
  }
}

export function jobRoutes(deps: JobRoutesDeps): RouteDef[] {
  const { jobs, endpoint, waits } = deps;

  const putJob = (method: 'PUT' | 'POST') =>
    defineRoute({
      method,
      url: jobsUrl,
      operationId: method === 'PUT' ? 'orchestrator/putJob' : 'orchestrator/postJob',
      summary: 'Submits a job to the orchestrator.',
      description:
        'Creates a job, or updates the job of the same name in the namespace (a new version). An update ' +
        'identical to the existing job is refused unless Force is set.',
      tags: [JobsTag],
      query: Type.Object({ pretty: prettyParam() }),
      body: putJobRequestSchema,
      response: putJobResponseSchema,
      errors: [409],
      async handler({ body: raw, request, signal }) {
        const body = decodeBody<PutJobRequestBody>(raw, putJobRequestSchema());
        const response = await endpoint
          .submitJob(
            {
              job: body.Job,
              force: body.Force === true,
              clientInstallationID: header(request.headers[HTTPHeader.InstallationID.toLowerCase()]),
              clientInstanceID: header(request.headers[HTTPHeader.InstanceID.toLowerCase()]),
            },
            { signal },
          )
          .catch((err: unknown) => {
            throw specValidation(err);
          });
        return { body: response, schema: putJobResponseSchema };
      },
    });

  return [
    putJob('PUT'),
    putJob('POST'),

    defineRoute({
      method: 'PUT',
      url: `${jobsUrl}/diff`,
      operationId: 'orchestrator/diffJob',
      summary: 'Compares a job spec with an existing job of the same name.',
      tags: [JobsTag],
      query: Type.Object({ pretty: prettyParam() }),
      body: diffJobRequestSchema,
      response: diffJobResponseSchema,
      errors: [404],
      async handler({ body: raw, signal }) {
        const body = decodeBody<DiffJobRequestBody>(raw, diffJobRequestSchema());
        const response = await endpoint.diffJob({ job: body.Job }, { signal }).catch((err: unknown) => {
          throw specValidation(err);
        });
        return { body: response, schema: diffJobResponseSchema };
      },
    }),

    defineRoute({
      method: 'GET',
      url: jobsUrl,
      operationId: 'orchestrator/listJobs',
      summary: 'Returns a list of jobs.',
      description:
        'Pages follow NextToken, which also carries the order, direction and page size of the first request.',
      tags: [JobsTag],
      query: Type.Object({
        ...listParams(),
        // checked in the handler: a paging token's order replaces it, whatever it says (as in Go)
        order_by: Type.Optional(
          Type.String({
            description: "Order by 'created_at' (default), 'modified_at' or 'id'; ignored with next_token",
          }),
        ),
        labels: Type.Optional(
          Type.Array(Type.String(), {
            description:
              "Label selector (k8s syntax, e.g. 'env=prod,tier in (a,b)'); repeated values are ANDed",
          }),
        ),
        pretty: prettyParam(),
      }),
      response: listJobsResponseSchema,
      async handler({ query, signal }) {
        let orderBy: JobOrderBy = '';
        let reverse = query.reverse ?? false;
        let limit = query.limit ?? 0;
        let offset = 0;
        let addedUpTo: number | undefined;
        if (query.next_token !== undefined) {
          // The token replaces the request's order, direction and page size: pages stay in one order.
          const token = decodeTokenParam(query.next_token);
          if (!(jobOrderByValues as readonly string[]).includes(token.sortBy)) {
            throw requestError(`invalid paging token: ${abbreviate(query.next_token)}`, {
              details: { parameter: 'next_token' },
            });
          }
          orderBy = token.sortBy as JobOrderBy;
          reverse = token.sortReverse;
          limit = token.limit;
          offset = token.offset;
          addedUpTo = token.addedUpTo;
        } else {
          orderBy = choice('order_by', query.order_by ?? '', jobOrderByValues);
        }
        const selector = parseLabelsParam(query.labels);
        const page = await jobs.listJobs({
          ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
          ...(selector.length === 0 ? {} : { labels: (labels) => matchesAll(selector, labels) }),
          orderBy,
          reverse,
          limit,
          offset,
          ...(addedUpTo === undefined ? {} : { addedUpTo }),
          signal,
        });
        const nextToken =
          page.nextOffset === undefined || page.nextOffset === 0
            ? ''
            : encodePagingToken({
                sortBy: orderBy,
                sortReverse: reverse,
                limit,
                offset: page.nextOffset,
                ...(page.addedUpTo === undefined ? {} : { addedUpTo: page.addedUpTo }),
              });
        return {
          body: { NextToken: nextToken, Items: page.items },
          schema: listJobsResponseSchema,
          listItem: jobSchema,
        };
      },
    }),

    defineRoute({
      method: 'GET',
      url: `${jobsUrl}/:id`,
      operationId: 'orchestrator/getJob',
      summary: 'Returns a job.',
      tags: [JobsTag],
      idDescription: jobIdDescription,
      query: Type.Object({
        namespace: namespaceParam(),
        include: Type.Optional(
          Type.String({
            description:
              "Comma-separated: 'history', 'executions' (of the returned version); other values are ignored, as in Bacalhau",
          }),
        ),
        job_version: Type.Optional(versionedParams().job_version),
        limit: Type.Optional(UInt32('Ignored (as in Bacalhau)')),
        index: Type.Optional(
          UInt64(
            "bacalhau-ts: answer once the job's Revision is above this (a blocking read: one request " +
              'per change instead of polling); Bacalhau ignores it',
          ),
        ),
        wait: Type.Optional(
          Type.String({
            description: `bacalhau-ts: how long a blocking read (index) may wait, a duration such as "10s"; at most ${MaxJobWaitMs / 1000}s, the default`,
          }),
        ),
        pretty: prettyParam(),
      }),
      response: getJobResponseSchema,
      errors: [404],
      async handler({ id, query, request, signal }) {
        const include = (query.include ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const waitMs = waitParam(query.wait);
        let job = await jobs.getJobByIDOrName(id, query.namespace ?? '');
        if (query.index !== undefined && waits !== undefined) {
          job = await nextRevision(job, { jobs, waits, index: query.index, waitMs, signal });
        }
        if ((query.job_version ?? 0) !== 0) job = await jobs.getJobVersion(job.ID, query.job_version ?? 0);
        const response: GetJobResponse = { Job: job };
        if (include.includes('history')) {
          const clientVersion = header(request.headers[HTTPHeader.GitVersion.toLowerCase()]);
          const items = backwardCompatibleHistory(await fullHistory(jobs, job), clientVersion);
          response.History = { NextToken: '', Items: items };
        }
        if (include.includes('executions')) {
          const items = await jobs.listExecutions({ jobID: job.ID, jobVersion: query.job_version ?? 0 });
          response.Executions = { NextToken: '', Items: items };
        }
        return { body: response, schema: getJobResponseSchema };
      },
    }),

    defineRoute({
      method: 'DELETE',
      url: `${jobsUrl}/:id`,
      operationId: 'orchestrator/stopJob',
      summary: 'Stops a job.',
      description:
        'The reason is read from the JSON body (`{"reason": "…"}`); a `reason` query parameter is used when ' +
        'the body has none (bacalhau-ts; Bacalhau ignores it). Stopping a stopped job is a no-op ' +
        '(EvaluationID ""); stopping a completed or failed job is a 409.',
      tags: [JobsTag],
      idDescription: jobIdDescription,
      query: Type.Object({
        namespace: namespaceParam(),
        reason: Type.Optional(Type.String({ description: 'Reason for stopping, when the body has none' })),
        pretty: prettyParam(),
      }),
      body: stopJobRequestSchema,
      response: stopJobResponseSchema,
      errors: [404, 409],
      async handler({ id, query, body: raw, signal }) {
        const body = decodeBody<StopJobRequestBody>(raw, stopJobRequestSchema());
        const namespace =
          body.Namespace !== undefined && body.Namespace !== '' ? body.Namespace : query.namespace;
        const reason = body.reason !== undefined && body.reason !== '' ? body.reason : (query.reason ?? '');
        const response = await endpoint.stopJob(
          { jobID: id, reason, ...(namespace === undefined ? {} : { namespace }) },
          { signal },
        );
        return { body: response, schema: stopJobResponseSchema };
      },
    }),

    defineRoute({
      method: 'PUT',
      url: `${jobsUrl}/:id/rerun`,
      operationId: 'orchestrator/rerunJob',
      summary: 'Reruns a job.',
      description: 'Runs the spec of JobVersion (0 = the current version) again as a new version.',
      tags: [JobsTag],
      idDescription: jobIdDescription,
      query: Type.Object({ namespace: namespaceParam(), pretty: prettyParam() }),
      body: rerunJobRequestSchema,
      response: rerunJobResponseSchema,
      errors: [404, 409],
      async handler({ id, query, body: raw, signal }) {
        const body = decodeBody<RerunJobRequestBody>(raw, rerunJobRequestSchema());
        const namespace =
          body.Namespace !== undefined && body.Namespace !== '' ? body.Namespace : query.namespace;
        const response = await endpoint.rerunJob(
          {
            jobIDOrName: id,
            ...(namespace === undefined ? {} : { namespace }),
            ...(body.JobVersion === undefined ? {} : { jobVersion: body.JobVersion }),
            ...(body.Reason === undefined ? {} : { reason: body.Reason }),
          },
          { signal },
        );
        return { body: response, schema: rerunJobResponseSchema };
      },
    }),

    defineRoute({
      method: 'GET',
      url: `${jobsUrl}/:id/history`,
      operationId: 'orchestrator/listHistory',
      summary: 'Returns the history of a job.',
      description:
        'A cursor: NextToken is non-empty while more entries exist or while the job (the execution, with ' +
        'execution_id) is not terminal, so a client follows it until it is empty.',
      tags: [JobsTag],
      idDescription: jobIdDescription,
      query: Type.Object({
        ...listParams(),
        ...versionedParams(),
        since: Type.Optional(
          Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Unix seconds' }),
        ),
        event_type: Type.Optional(
          StringEnum(['', 'all', 'job', 'execution'] as const, 'Level of the entries'),
        ),
        execution_id: Type.Optional(Type.String({ description: 'Execution ID prefix' })),
        order_by: Type.Optional(Type.String({ description: 'Ignored' })),
        pretty: prettyParam(),
      }),
      response: listJobHistoryResponseSchema,
      errors: [404],
      async handler({ id, query, request }) {
        const job = await jobs.getJobByIDOrName(id, query.namespace ?? '');
        const token = query.next_token === undefined ? undefined : decodeHistoryToken(query.next_token);
        const limit = query.limit ?? (token !== undefined && token.limit !== 0 ? token.limit : undefined);
        const page = await jobs.getJobHistory(job.ID, {
          ...(query.job_version === undefined ? {} : { jobVersion: query.job_version }),
          allJobVersions: query.all_job_versions ?? false,
          ...(query.since === undefined ? {} : { since: query.since }),
          excludeJobLevel: query.event_type === 'execution',
          excludeExecutionLevel: query.event_type === 'job',
          ...(query.execution_id === undefined ? {} : { executionID: query.execution_id }),
          ...(limit === undefined ? {} : { limit }),
          ...(token === undefined ? {} : { offset: token.offset }),
        });
        const clientVersion = header(request.headers[HTTPHeader.GitVersion.toLowerCase()]);
        const response: ListJobHistoryResponse = {
          NextToken:
            page.next === undefined
              ? ''
              : encodePagingToken({ sortBy: '', sortReverse: false, limit: limit ?? 0, offset: page.next }),
          Items: backwardCompatibleHistory(page.items, clientVersion),
        };
        return { body: response, schema: listJobHistoryResponseSchema, listItem: jobHistorySchema };
      },
    }),

    defineRoute({
      method: 'GET',
      url: `${jobsUrl}/:id/executions`,
      operationId: 'orchestrator/jobExecutions',
      summary: 'Returns the executions of a job.',
      description:
        'Without job_version or all_job_versions, the executions of the latest version. No paging.',
      tags: [JobsTag],
      idDescription: jobIdDescription,
      query: Type.Object({
        ...listParams(),
        ...versionedParams(),
        order_by: Type.Optional(
          StringEnum(executionOrderByValues, "Order by 'created_at' (default) or 'modified_at'"),
        ),
        pretty: prettyParam(),
      }),
      response: listJobExecutionsResponseSchema,
      errors: [404],
      async handler({ id, query }) {
        const job = await jobs.getJobByIDOrName(id, query.namespace ?? '');
        const items = await jobs.listExecutions({
          jobID: job.ID,
          ...(query.job_version === undefined ? {} : { jobVersion: query.job_version }),
          allJobVersions: query.all_job_versions ?? false,
          orderBy: query.order_by ?? '',
          reverse: query.reverse ?? false,
          limit: query.limit ?? 0,
        });
        return {
          body: { NextToken: '', Items: items },
          schema: listJobExecutionsResponseSchema,
          listItem: executionSchema,
        };
      },
    }),

    defineRoute({
      method: 'GET',
      url: `${jobsUrl}/:id/versions`,
      operationId: 'orchestrator/jobVersions',
      summary: 'Returns the versions of a job.',
      description: 'Every version, oldest first. Paging parameters are ignored.',
      tags: [JobsTag],
      idDescription: jobIdDescription,
      query: Type.Object({ ...listParams(), order_by: Type.Optional(Type.String()), pretty: prettyParam() }),
      response: listJobVersionsResponseSchema,
      errors: [404],
      async handler({ id, query }) {
        const job = await jobs.getJobByIDOrName(id, query.namespace ?? '');
        const items = await jobs.getJobVersions(job.ID);
        return { body: { NextToken: '', Items: items }, schema: listJobVersionsResponseSchema };
      },
    }),

    defineRoute({
      method: 'GET',
      url: `${jobsUrl}/:id/results`,
      operationId: 'orchestrator/jobResults',
      summary: 'Returns the results of a job.',
      description:
        'The published results of the completed executions of the latest version. Batch and ops jobs only ' +
        '(400 `job type <type> does not support results` otherwise).',
      tags: [JobsTag],
      idDescription: jobIdDescription,
      query: Type.Object({ ...listParams(), pretty: prettyParam() }),
      response: listJobResultsResponseSchema,
      errors: [404],
      async handler({ id, query, signal }) {
        const job = await jobs.getJobByIDOrName(id, query.namespace ?? '');
        if (job.Type !== JobType.Batch && job.Type !== JobType.Ops) {
          // Go: a plain error, HTTP 500. A user's question about the wrong kind of job is a 400 here.
          throw new BacalhauError(`job type ${job.Type} does not support results`, {
            code: ErrorCode.BadRequest,
            component: 'Orchestrator',
            hint: 'Only batch and ops jobs publish results',
          });
        }
        const executions = await jobs.listExecutions({ jobID: job.ID, jobVersion: job.Version });
        const results: SpecConfig[] = [];
        for (const execution of executions) {
          if (execution.ComputeState.StateType !== 'Completed') continue;
          const published: SpecConfig = structuredClone(execution.PublishedResult ?? { Type: '' });
          const result =
            deps.resultTransformer === undefined
              ? published
              : await deps.resultTransformer(published, { signal });
          if (result.Type !== '') results.push(result);
        }
        return {
          body: { NextToken: '', Items: results },
          schema: listJobResultsResponseSchema,
          unescaped: true,
        };
      },
    }),
  ];
}
