/**
 * `-p/--publisher` as Bacalhau's `PublisherSpecConfigOpt` reads it: a publisher type or URI (`local`,
 * `ipfs`, `s3://bucket/key`, `s3managed`), or comma-separated `target=URI` and `opt=key=value` fields.
 * S3 options become params as given; bucket and key come from the URI unless given as options.
 */
import { InvalidArgumentError } from 'commander';
import { Publisher } from '../../models/constants.js';
import { csvFields } from './csv.js';
import { parseGoUrl } from './go-url.js';

export interface PublisherWire {
  Type: string;
  Params: Record<string, unknown>;
}

export function parsePublisherSpec(value: string): PublisherWire {
  let destination = '';
  const options = new Map<string, string>();
  csvFields(value).forEach((field, i) => {
    const eq = field.indexOf('=');
    if (eq < 0) {
      if (i !== 0)
        throw new InvalidArgumentError(`invalid publisher option: ${field}. Must be a key=value pair`);
      destination = field;
      return;
    }
    const key = field.slice(0, eq).toLowerCase();
    const val = field.slice(eq + 1);
    if (key === 'target' || key === 'dst' || key === 'destination') destination = val;
    else if (key === 'opt' || key === 'option') {
      const [k = '', ...v] = val.split('=');
      if (k !== '') options.set(k, v.join('='));
    } else throw new InvalidArgumentError(`invalid publisher option: ${field}`);
  });
  const url = parseGoUrl(destination.replace(/^[ '"]+|[ '"]+$/g, ''));
  // A bare type (`ipfs`) parses as a path.
  const type = url.scheme === '' ? url.path : url.scheme;
  switch (type) {
    case Publisher.IPFS:
    case Publisher.Local:
    case Publisher.S3Managed:
      return { Type: type, Params: {} };
    case Publisher.S3: {
      const params: Record<string, unknown> = Object.fromEntries(options);
      params['bucket'] ??= url.host;
      params['key'] ??= url.path.replace(/^\/+/, '');
      return { Type: Publisher.S3, Params: params };
    }
    default:
      throw new InvalidArgumentError(`unknown publisher type: ${type}`);
  }
}
