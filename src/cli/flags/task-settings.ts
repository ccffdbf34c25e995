/**
 * Bacalhau's task flags (`cliflags.RegisterTaskFlags`) of `docker run` and `wasm run`: what the one task
 * of the job runs with — inputs, outputs, publisher, resources, network, timeouts, environment.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { errorMessage } from '../../models/bacerrors.js';
import { parseNetworkType, type NetworkType } from '../../models/network.js';
import type { ResultPath } from '../../models/result-path.js';
import { collectKeyValues, collectValues, parseInteger } from './parse.js';
import { parsePublisherSpec, type PublisherWire } from './publisher-spec.js';
import { DefaultInputTarget, parseStorageSpec, type InputSourceWire } from './storage-spec.js';

export interface TaskSettings {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly inputs: readonly InputSourceWire[];
  readonly outputs: readonly ResultPath[];
  /** Absent unless `-p` was given (the server then applies its default publisher). */
  readonly publisher?: PublisherWire;
  readonly resources: { CPU: string; Memory: string; Disk: string; GPU: string };
  readonly network: NetworkType;
  readonly domains: readonly string[];
  /** `--timeout`: the job's total timeout, seconds. */
  readonly timeout: number;
  readonly queueTimeout: number;
}

/** `-o name:path`, exactly one colon with text on both sides. */
function parseResultPath(value: string, previous: ResultPath[]): ResultPath[] {
  const [name = '', path = '', ...rest] = value.split(':');
  if (rest.length > 0 || name === '' || path === '') {
    throw new InvalidArgumentError(`invalid output volume: ${value}`);
  }
  return [...previous, { Name: name, Path: path }];
}

function parseNetwork(value: string): NetworkType {
  try {
    return parseNetworkType(value);
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err));
  }
}

export function addTaskFlags(cmd: Command): Command {
  const text = (flags: string, description: string): Option => new Option(flags, description).default('');
  return cmd
    .addOption(text('--task-name <name>', 'The name to refer to this task by').default('main'))
    .addOption(
      new Option(
        '-e, --env <key=value>',
        'The environment variables to supply to the job (e.g. --env FOO=bar --env BAR=baz)',
      )
        .argParser(collectKeyValues)
        .default({}),
    )
    .addOption(
      new Option(
        '-i, --input <storage>',
        'Mount URIs as inputs to the job. Can be specified multiple times. Format: src=URI,dst=PATH[,opt=key=value]\n' +
          'Examples:\n# Mount IPFS CID to /inputs directory\n-i ipfs://QmeZRGhe4PmjctYVSVHuEiA9oSXnqmYa4kQubSHgWbjv72\n' +
          '# Mount S3 object to a specific path\n-i s3://bucket/key,dst=/my/input/path\n' +
          '# Mount S3 object with specific endpoint and region\n' +
          '-i src=s3://bucket/key,dst=/my/input/path,opt=endpoint=https://s3.example.com,opt=region=us-east-1',
      )
        .argParser((value: string, previous: InputSourceWire[]) => [
          ...previous,
          parseStorageSpec(value, DefaultInputTarget),
        ])
        .default([]),
    )
    .addOption(
      new Option('-o, --output <ResultPath>', 'name:path of the output data volumes')
        .argParser(parseResultPath)
        .default([]),
    )
    .addOption(
      new Option('-p, --publisher <publisher>', 'Where to publish the result of the job').argParser(
        parsePublisherSpec,
      ),
    )
    .addOption(text('--cpu <cpu>', 'Job CPU cores (e.g. 500m, 2, 8).'))
    .addOption(text('--memory <memory>', 'Job Memory requirement (e.g. 500Mb, 2Gb, 8Gb).'))
    .addOption(text('--disk <disk>', 'Job Disk requirement (e.g. 500Gb, 2Tb, 8Tb).'))
    .addOption(text('--gpu <gpu>', 'Job GPU requirement (e.g. 1, 2, 8).'))
    .addOption(
      new Option('--network <network-type>', 'Networking capability required by the job. None, HTTP, or Full')
        .argParser(parseNetwork)
        .default('Default'),
    )
    .addOption(
      new Option('--domain <domain>', 'Domain(s) that the job needs to access (for HTTP networking)')
        .argParser(collectValues)
        .default([]),
    )
    .addOption(
      new Option('--timeout <seconds>', 'Job execution timeout in seconds (e.g. 300 for 5 minutes)')
        .argParser(parseInteger)
        .default(0),
    )
    .addOption(
      new Option(
        '--queue-timeout <seconds>',
        'Job queue timeout in seconds (e.g. 300 for 5 minutes). \nzero timeout means no queueing is enabled ' +
          'and jobs will fail if they cannot be scheduled immediately',
      )
        .argParser(parseInteger)
        .default(0),
    );
}

/** The values registered by `addTaskFlags`, from `cmd.opts()`. */
export function taskSettings(opts: Record<string, unknown>): TaskSettings {
  const text = (key: string): string => (typeof opts[key] === 'string' ? opts[key] : '');
  const publisher = opts['publisher'] as PublisherWire | undefined;
  return {
    name: text('taskName'),
    env: opts['env'] as Record<string, string>,
    inputs: opts['input'] as InputSourceWire[],
    outputs: opts['output'] as ResultPath[],
    ...(publisher === undefined ? {} : { publisher }),
    resources: { CPU: text('cpu'), Memory: text('memory'), Disk: text('disk'), GPU: text('gpu') },
    network: opts['network'] as NetworkType,
    domains: opts['domain'] as string[],
    timeout: opts['timeout'] as number,
    queueTimeout: opts['queueTimeout'] as number,
  };
}
