/** Node selection: which compute nodes may run a job, best first. See README.md. */
export * from './types.js';
export { RankingNodeSelector, isSelectableNode } from './selector.js';
export * from './messages.js';
export * from './ranking/index.js';
