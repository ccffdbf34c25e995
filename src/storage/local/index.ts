export { LocalStorage, type LocalStorageOptions } from './local.js';
