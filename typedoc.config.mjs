// The API reference (`npm run docs` writes docs/api/, committed; `npm run docs:check`
// fails when it is stale). One module per entry of tools/entries.mjs, named as
// apps import it; the types every entry re-exports are documented once, under
// `pushline`.
import { entries, subpathOf } from './tools/entries.mjs';

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  entryPoints: Object.values(entries).map((e) => e.input),
  tsconfig: './tsconfig.docs.json',
  plugin: ['typedoc-plugin-markdown', './tools/typedoc-entries.mjs'],
  out: 'docs/api',
  readme: 'none',
  excludeInternal: true,
  excludePrivate: true,
  excludeProtected: true,
  // no source links: they would carry a commit hash and make every commit's docs stale
  disableSources: true,
  hideGenerator: true,
  hidePageHeader: true,
  hideBreadcrumbs: true,
  useCodeBlocks: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  propertyMembersFormat: 'table',
  sort: ['kind', 'instance-first', 'source-order'],
  treatWarningsAsErrors: true,
  // notDocumented is off while the core's TSDoc is being completed (members of
  // UploadProgress, UploadResult, TransportOverrides and FATAL have none yet)
  validation: { notExported: true, invalidLink: true, notDocumented: false },
  // the `on*` handler property type, and the base class every entry's RealtimeClient
  // extends (its members are documented on each RealtimeClient): shown by name
  intentionallyNotExported: ['Handler', 'ClientCore'],
  entryModules: Object.fromEntries(
    Object.entries(entries).map(([name, e]) => [e.input, subpathOf(name, e) === '.' ? 'pushline' : `pushline/${subpathOf(name, e).slice(2)}`]),
  ),
};
