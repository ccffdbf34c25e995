export { InlineStorage, type InlineStorageOptions } from './inline.js';
