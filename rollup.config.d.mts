import type { RollupOptions } from 'rollup';

/** Every build of the package (for tests that rebuild part of it, e.g. the declarations). */
declare const config: RollupOptions[];
export default config;
