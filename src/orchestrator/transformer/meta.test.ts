import { describe, expect, it } from 'vitest';
import { MetaKey } from '../../models/constants.js';
import { clientInfo, orchestratorInstallationID, orchestratorInstanceID, requesterInfo } from './meta.js';
import { makeJob } from './testing.js';

describe('requesterInfo', () => {
  it('records the orchestrator under the current and the legacy key, keeping other meta', () => {
    const input = makeJob({ Meta: { owner: 'me' } });
    const job = requesterInfo('n-123')(input);
    expect(job.Meta).toEqual({
      owner: 'me',
      'bacalhau.org/orchestrator.id': 'n-123',
      'bacalhau.org/requester.id': 'n-123',
    });
    expect(input.Meta).toEqual({ owner: 'me' });
  });
});

describe('orchestrator installation and instance IDs', () => {
  it('are set when known', () => {
    const job = orchestratorInstanceID('inst-1')(orchestratorInstallationID('inst-all')(makeJob()));
    expect(job.Meta).toEqual({
      [MetaKey.ServerInstallationID]: 'inst-all',
      [MetaKey.ServerInstanceID]: 'inst-1',
    });
  });

  it('are left out when empty', () => {
    const input = makeJob();
    expect(orchestratorInstanceID('')(orchestratorInstallationID('')(input))).toBe(input);
  });
});

describe('clientInfo', () => {
  it('records the IDs the client sent in its headers', () => {
    const job = clientInfo({ installationID: 'c-all', instanceID: 'c-1' })(makeJob());
    expect(job.Meta).toEqual({
      'bacalhau.org/client.installation.id': 'c-all',
      'bacalhau.org/client.instance.id': 'c-1',
    });
  });

  it('sets only the ones sent', () => {
    expect(clientInfo({ instanceID: 'c-1' })(makeJob()).Meta).toEqual({
      'bacalhau.org/client.instance.id': 'c-1',
    });
    expect(clientInfo({})(makeJob()).Meta).toEqual({});
  });
});
