/** The public surface of the storage layer: the seam, its registry, and the providers. */
export type { IoOptions, Storage, StorageVolume } from './types.js';
export { StorageRegistry, type StorageType } from './registry.js';
export { cleanupInputs, prepareInputs, type PreparedInput } from './prepare.js';
export { atInput } from './errors.js';
export { InlineStorage, SpareInlineFileName, type InlineStorageOptions } from './inline/index.js';
export { UrlDownloadStorage, type UrlDownloadOptions } from './url/index.js';
export { LocalStorage, type LocalStorageOptions } from './local/index.js';
