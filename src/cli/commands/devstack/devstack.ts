import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig, rootFlagOverrides } from '../../../config/index.js';
import { printConfigWarnings } from '../config/load.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { globalOptions, type CliContext } from '../../context.js';
import { printWarning } from '../../messages.js';
import { holdExit, keepRunningWithoutOutput } from '../../shutdown.js';
import { parseInteger } from '../../flags/parse.js';
import { takesExtraOperands } from '../../usage-errors.js';
import { untilAborted } from '../serve/until-aborted.js';

interface DevstackFlags {
  computes: number;
  orchestrators: number;
  hybrids: number;
  badComputes: number;
  stackRepo?: string;
  randomPorts?: boolean;
  cpuProfilingFile?: string;
  memoryProfilingFile?: string;
}

/** Where Bacalhau's devstack announces itself, so a second one refuses to start (and scripts find it). */
const portFile = (): string => join(tmpdir(), 'bacalhau-devstack.port');
const pidFile = (): string => join(tmpdir(), 'bacalhau-devstack.pid');

/** A count flag and its hidden legacy name (Bacalhau's `--compute-nodes` etc.). */
function countOptions(name: string, legacy: string, description: string, defaultValue: number): Option[] {
  return [
    new Option(`--${name} <n>`, description).argParser(parseInteger).default(defaultValue),
    new Option(`--${legacy} <n>`, description).argParser(parseInteger).hideHelp(),
  ];
}

/** `bacalhau devstack`: a cluster of nodes in this process until Ctrl+C. */
export function devstackCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const command = takesExtraOperands(new Command('devstack'))
    .summary('Start a cluster of bacalhau nodes for testing and development')
    .description('Start a cluster of nodes and run a job on them.');
  for (const option of [
    ...countOptions('computes', 'compute-nodes', 'Number of compute-only nodes to run', 3),
    ...countOptions('orchestrators', 'requester-nodes', 'Number of orchestrator-only nodes to run', 1),
    ...countOptions(
      'hybrids',
      'hybrid-nodes',
      'Number of hybrid nodes (both compute and orchestrator) to run',
      0,
    ),
    ...countOptions(
      'bad-computes',
      'bad-compute-actors',
      'Number of compute nodes that should be bad actors',
      0,
    ),
  ]) {
    command.addOption(option);
  }
  return command
    .addOption(new Option('--stack-repo <dir>', 'Folder to act as the devstack configuration repo'))
    .addOption(
      new Option(
        '--random-ports',
        'Use random ports for the nodes. Otherwise will start with standard ports (e.g. 1234). ' +
          'Useful to avoid conflicts with active orchestrators',
      ),
    )
    .addOption(new Option('--cpu-profiling-file <file>', 'File to save CPU profiling to').hideHelp())
    .addOption(new Option('--memory-profiling-file <file>', 'File to save memory profiling to').hideHelp())
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  # Create a devstack cluster with a single orchestrator node and 3 compute nodes (Default values)',
        `  ${bin} devstack`,
        '',
        '  # Create a devstack cluster with two orchestrator nodes and 10 compute nodes',
        `  ${bin} devstack --orchestrators 2 --computes 10`,
        '',
        '  # Create a devstack cluster with a single hybrid (orchestrator and compute) node',
        `  ${bin} devstack --orchestrators 0 --computes 0 --hybrids 1`,
        '',
        '  # Run a devstack and create (or use) the config repo in a specific folder',
        `  ${bin} devstack --stack-repo ./my-devstack-configuration`,
      ].join('\n'),
    )
    .action(async (_: unknown, cmd: Command) => {
      const flags = withLegacyCounts(cmd);
      const globals = globalOptions(cmd);
      const loaded = loadConfig({
        config: globals.config ?? [],
        flags: rootFlagOverrides(globals),
        env: ctx.env,
        cwd: ctx.cwd,
        binName: bin,
      });
      printConfigWarnings(ctx, loaded);
      const { config } = loaded;
      // Go's profiles (pprof) have no counterpart here; said, rather than a file the user waits for in vain
      for (const [flag, file] of [
        ['--cpu-profiling-file', flags.cpuProfilingFile],
        ['--memory-profiling-file', flags.memoryProfilingFile],
      ] as const) {
        if (file !== undefined) {
          printWarning(
            ctx,
            `${flag} is ignored: bacalhau-ts writes no Go profile (${file} is not written); for a CPU ` +
              `profile of the devstack, run it with node --cpu-prof`,
          );
        }
      }
      if (ctx.env['IGNORE_PID_AND_PORT_FILES'] === undefined) {
        for (const file of [portFile(), pidFile()]) {
          if (existsSync(file)) {
            throw new BacalhauError(`found file ${file} - Devstack likely already running`, {
              code: ErrorCode.ResourceInUse,
              component: 'Devstack',
              hint: `stop the other devstack, or remove ${file} if it is not running`,
            });
          }
        }
      }
      const basePath = flags.stackRepo ?? mkdtempSync(join(tmpdir(), 'bacalhau-devstack-'));
      keepRunningWithoutOutput(ctx.signal);
      // loaded here, not with the CLI: every other command starts without the nodes' dependencies
      const [{ DevStack }, { configuredLogger }] = await Promise.all([
        import('../../../node/devstack.js'),
        import('../../../node/serve.js'),
      ]);
      const logger = configuredLogger((line) => ctx.stderr.write(line), config.Logging);
      try {
        const stack = await DevStack.start({
          config,
          orchestrators: flags.orchestrators,
          computes: flags.computes,
          hybrids: flags.hybrids,
          badComputes: flags.badComputes,
          basePath,
          randomPorts: flags.randomPorts === true,
          logger,
          onError: (error, component) => logger.error(`${component}: background failure`, { error }),
        });
        try {
          ctx.stdout.write(stack.info());
          writeFileSync(portFile(), String(stack.nodes[0]?.apiPort ?? ''));
          writeFileSync(pidFile(), String(process.pid));
          await untilAborted(ctx.signal);
          ctx.stdout.write('Stopping the devstack...\n');
          const data = flags.stackRepo === undefined ? `, and the devstack's data under ${basePath},` : '';
          holdExit(
            ctx.signal,
            'Still stopping: the nodes end their executions, if any, and remove their containers. Press ' +
              `Ctrl+C again to quit now and leave them${data} behind.`,
          );
        } finally {
          rmSync(portFile(), { force: true });
          rmSync(pidFile(), { force: true });
          await stack.stop();
        }
      } finally {
        if (flags.stackRepo === undefined) rmSync(basePath, { recursive: true, force: true });
      }
    });
}

/** The counts, a hidden legacy flag winning when given (as cobra's shared variable does). */
function withLegacyCounts(cmd: Command): DevstackFlags {
  const o = cmd.opts<DevstackFlags & Record<string, number | undefined>>();
  return {
    ...o,
    computes: o['computeNodes'] ?? o.computes,
    orchestrators: o['requesterNodes'] ?? o.orchestrators,
    hybrids: o['hybridNodes'] ?? o.hybrids,
    badComputes: o['badComputeActors'] ?? o.badComputes,
  };
}
