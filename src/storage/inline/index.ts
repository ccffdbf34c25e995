export { InlineStorage, SpareInlineFileName, type InlineStorageOptions } from './inline.js';
