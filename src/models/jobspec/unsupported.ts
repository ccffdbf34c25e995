/**
 * Fields that appear in Bacalhau's aspirational "Write a SpecConfig" guide but that Bacalhau does not
 * implement. Go's API ignores them silently, which hides the user's mistake; here each one is named with
 * the mechanism that really does the job. Keyed by the Go struct the field was written in, then by the
 * field name in lower case.
 */
const hints: Record<string, Record<string, string>> = {
  Job: {
    executionplan:
      'Bacalhau has no execution plans: a batch job runs Count partitions in parallel on distinct nodes',
    updatestrategy:
      'Bacalhau has no update strategies: submit the job again with the same Name to create a new version; ' +
      'executions of the old version are stopped',
    restartpolicy:
      'Bacalhau has no restart policies: daemon and service executions that fail are restarted automatically',
    errorhandling:
      'Bacalhau has no per-job error handling: failed executions are retried on other nodes automatically, ' +
      'bounded by Tasks[].Timeouts.QueueTimeout',
  },
  NetworkConfig: {
    enableipv6: 'Bacalhau has no IPv6 switch: use Network.Type (None, Host, HTTP, Bridge)',
    dns: 'Bacalhau has no per-job DNS settings: the executor uses the node resolver',
    policies: 'Bacalhau has no egress policies: use Network.Type HTTP with Network.Domains to limit egress',
    allowloopback: 'Bacalhau has no loopback switch: Network.Type None isolates the job completely',
    routes: 'Bacalhau has no routes: use Network.Type HTTP with Network.Domains',
  },
  ResultPath: {
    type: 'a ResultPath is only {Name, Path}: stdout, stderr and exitCode are always saved as files in the results',
    format: 'a ResultPath is only {Name, Path}: results are published as the files the job wrote',
    compression:
      "a ResultPath is only {Name, Path}: to compress results use the s3 publisher's Encoding (gzip|plain)",
    compressionlevel:
      "a ResultPath is only {Name, Path}: the s3 publisher's Encoding gzip is the only compression",
  },
};

/** The hint for a field Bacalhau does not implement, if this is one. */
export function unsupportedFieldHint(struct: string, key: string): string | undefined {
  const byField = Object.hasOwn(hints, struct) ? hints[struct] : undefined;
  const lower = key.toLowerCase();
  return byField !== undefined && Object.hasOwn(byField, lower) ? byField[lower] : undefined;
}
