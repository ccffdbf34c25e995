import { Command, Option } from 'commander';
import { loadConfig, rootFlagOverrides, type BacalhauConfig } from '../../../config/index.js';
import { printConfigWarnings } from '../config/load.js';
import type { ServeNetwork, ServeNetworkKind } from '../../../node/serve-network.js';
import { globalOptions, type CliContext } from '../../context.js';
import { holdExit, keepRunningWithoutOutput } from '../../shutdown.js';
import { printWarning } from '../../messages.js';
import { takesExtraOperands } from '../../usage-errors.js';
import { untilAborted } from './until-aborted.js';

/** `serve`'s own flags, bound to config keys as Bacalhau's `configflags.ServeFlags`. */
function serveFlagOverrides(opts: { orchestrator?: boolean; compute?: boolean }): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  if (opts.orchestrator === true) flags['Orchestrator.Enabled'] = true;
  if (opts.compute === true) flags['Compute.Enabled'] = true;
  return flags;
}

/**
 * Neither role asked for: both, in one process over the in-memory hub (the embedded default). Bacalhau
 * defaults to an orchestrator alone, which cannot run anything until a compute node joins; one process
 * that runs jobs out of the box is the point of this default. A role asked for (flag or config) means
 * a Bacalhau node: the parts meet through NATS, where other processes join.
 */
function withDefaultRole(config: BacalhauConfig): { config: BacalhauConfig; network: ServeNetworkKind } {
  if (config.Orchestrator.Enabled || config.Compute.Enabled) return { config, network: 'nats' };
  return {
    config: {
      ...config,
      Orchestrator: { ...config.Orchestrator, Enabled: true },
      Compute: { ...config.Compute, Enabled: true },
    },
    network: 'in-process',
  };
}

function roles(config: BacalhauConfig): string {
  return [config.Orchestrator.Enabled ? 'orchestrator' : '', config.Compute.Enabled ? 'compute' : '']
    .filter((role) => role !== '')
    .join(' and ');
}

/** How other compute nodes join the node, if they can. */
function joinLines(network: ServeNetwork, config: BacalhauConfig, bin: string): string[] {
  // Bacalhau's plain `serve` is an orchestrator that nodes join: say where the embedded default differs.
  if (network.kind === 'in-process') {
    return [
      'Other compute nodes cannot join this node: start it with --orchestrator --compute to let them join over NATS.',
    ];
  }
  if (network.orchestratorURL === undefined) return [];
  const token =
    config.Orchestrator.Auth.Token === '' ? '' : ' -c Compute.Auth.Token=<Orchestrator.Auth.Token>';
  // Its own NATS server serving TLS: compute nodes dial with TLS, trusting the CA the orchestrator trusts.
  const { TLS, NATS } = config.Orchestrator;
  const ownTls = TLS.ServerCert !== '' && NATS.Servers.length === 0;
  const url = ownTls ? network.orchestratorURL.replace(/^nats:/, 'tls:') : network.orchestratorURL;
  const ca = ownTls && TLS.CACert !== '' ? ` -c Compute.TLS.CACert=${TLS.CACert}` : '';
  return [`Compute nodes join with: ${bin} serve --compute -c Compute.Orchestrators=${url}${ca}${token}`];
}

/** `bacalhau serve`: runs a node until Ctrl+C or SIGTERM, then stops it gracefully. */
export function serveCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  return takesExtraOperands(new Command('serve'))
    .summary('Start a bacalhau node.')
    .description(
      'Start a bacalhau node. By default it is both an orchestrator, which accepts jobs over the HTTP API, ' +
        'and a compute node, which runs them (WASM always, Docker when a daemon answers); --orchestrator ' +
        `alone runs no jobs itself. While it runs, <data dir>/bacalhau.run holds the shell variables that point '${bin}' ` +
        'commands at it; it is removed when the node stops (Ctrl+C or SIGTERM).',
    )
    .addOption(new Option('--orchestrator', 'When true the orchestrator service will be enabled.'))
    .addOption(new Option('--compute', 'When true the compute service will be enabled.'))
    .addOption(
      new Option(
        '--name <name>',
        "The node's name. If unset, it is read from <data dir>/system_metadata.yaml, or generated if no " +
          'name exists. If set and no name is stored yet, the value is persisted, else ignored.',
      ),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  # Start a private node that accepts and runs jobs',
        `  ${bin} serve`,
        '',
        '  # Start an orchestrator only',
        `  ${bin} serve --orchestrator`,
        '',
        '  # Listen on another port, keep state elsewhere, and point a client at it',
        `  ${bin} serve --api-port 2345 --data-dir /tmp/bacalhau`,
        '  source /tmp/bacalhau/bacalhau.run && bacalhau node list',
      ].join('\n'),
    )
    .action(async (opts: { orchestrator?: boolean; compute?: boolean; name?: string }, cmd: Command) => {
      const globals = globalOptions(cmd);
      const loaded = loadConfig({
        config: globals.config ?? [],
        flags: { ...rootFlagOverrides(globals), ...serveFlagOverrides(opts) },
        env: ctx.env,
        cwd: ctx.cwd,
        binName: bin,
      });
      printConfigWarnings(ctx, loaded);
      const { config, network } = withDefaultRole(loaded.config);
      keepRunningWithoutOutput(ctx.signal);
      // loaded here, not with the CLI: every other command starts without the node's dependencies
      const { configuredLogger, ServeNode } = await import('../../../node/serve.js');
      const logger = configuredLogger((line) => ctx.stderr.write(line), config.Logging);
      const node = await ServeNode.start({
        config,
        network,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        logger,
        onError: (error, component) => logger.error(`${component}: background failure`, { error }),
      });
      for (const warning of node.warnings) printWarning(ctx, warning);
      ctx.stdout.write(
        [
          `Bacalhau node ${node.nodeID} is running (${roles(config)}).`,
          `API: ${node.address}`,
          ...joinLines(node.network, config, bin),
          `To use it from another shell: source ${node.runInfoPath}`,
          'Press Ctrl+C to stop.',
          '',
        ].join('\n'),
      );
      await untilAborted(ctx.signal);
      ctx.stdout.write('Stopping the node...\n');
      const release = holdExit(
        ctx.signal,
        'Still stopping: the node ends its executions, if any, and removes their containers. Press Ctrl+C ' +
          'again to quit now and leave them (the next start on this data dir removes them).',
      );
      await node.stop();
      release();
      ctx.stdout.write('Node stopped.\n');
    });
}
