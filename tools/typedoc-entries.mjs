// TypeDoc plugin for typedoc.config.mjs: names each entry's module as apps import it
// (`pushline/websocket`, not `websocket`). Names several entries re-export are
// documented once (TypeDoc lists them as references on the other pages).
import { basename, extname } from 'node:path';
import { Converter, ParameterType } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: 'entryModules',
    help: 'Module name per entry file: { "src/entries/index.ts": "pushline", ... }',
    type: ParameterType.Mixed,
    defaultValue: {},
  });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    /** @type {Record<string, string>} */
    const names = app.options.getValue('entryModules');
    // TypeDoc names a module after its file's base name
    const byBase = new Map(Object.entries(names).map(([file, name]) => [basename(file, extname(file)), name]));
    for (const mod of context.project.children ?? []) {
      const name = byBase.get(mod.name);
      if (!name) throw new Error(`typedoc-entries: no module name for entry '${mod.name}'`);
      mod.name = name;
    }
  });
}
