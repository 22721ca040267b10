import type { Plugin, OutputOptions } from 'rollup';

/** The TypeScript plugin instance the worker build uses. */
export function workerTypescript(): Plugin;
/** Output options of the worker build (IIFE, minified). */
export const workerOutput: OutputOptions;
/** Builds one worker entry to a minified IIFE string. */
export function buildWorker(file: string): Promise<{ code: string; files: string[] }>;
/** Resolves `?worker-inline` imports to the built worker's code as a default-exported string. */
export default function workerInline(): Plugin & { enforce: 'pre' };
