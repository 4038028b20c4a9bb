/**
 * Which platform the runtime runs on, and Node's built-ins reached without a static import: the
 * specifier is a variable, so a browser bundle of the runtime never includes or resolves them.
 */

/** Whether this is Node (or a runtime that offers its built-ins), rather than a browser. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** Imports a Node built-in ('node:fs/promises', ...) by a specifier that bundlers leave alone. */
export const nodeBuiltin = <T>(name: string): Promise<T> => import(/* @vite-ignore */ name) as Promise<T>;
