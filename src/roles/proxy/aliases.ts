/**
 * Collection aliases (createAlias, alterAlias, dropAlias, describeAlias, listAliases): other
 * names a collection answers to, so that an application can switch to a rebuilt collection in
 * one step. An alias is stored in its collection's catalog record; collection names and aliases
 * share one namespace. Alias tasks run one at a time.
 */
import { AliasExistsError, AliasNotFoundError, InvalidArgumentError } from '../../errors.js';
import type { CollectionInfo } from '../../meta/catalog.js';
import { checkName } from '../../schema/schema.js';
import type { ProxyContext } from './context.js';
import { ok } from './responses.js';

/** The lock all alias tasks share (collection ids are positive). */
const ALIASES = -1;

/** The collection a request names by its own name: an alias names no alias. */
function collectionByName(ctx: ProxyContext, name: unknown): CollectionInfo {
  if (typeof name === 'string' && ctx.catalog.aliasTarget(name) !== undefined) {
    throw new InvalidArgumentError(`"${name}" is an alias: name the collection itself`);
  }
  return ctx.catalog.get(name);
}

function aliasOf(request: Record<string, unknown>): string {
  return checkName(request.alias, 'alias');
}

function collectionOfAlias(ctx: ProxyContext, alias: string): CollectionInfo {
  const target = ctx.catalog.aliasTarget(alias);
  if (target === undefined) throw new AliasNotFoundError(`alias "${alias}" does not exist`);
  return ctx.catalog.get(target);
}

const without = (info: CollectionInfo, alias: string): CollectionInfo => ({ ...info, aliases: (info.aliases ?? []).filter((a) => a !== alias) });

export function createAlias(ctx: ProxyContext, request: Record<string, unknown>) {
  return ctx.locks.run(ALIASES, async () => {
    const alias = aliasOf(request);
    const info = collectionByName(ctx, request.collection_name);
    if (ctx.catalog.has(alias)) {
      const what = ctx.catalog.aliasTarget(alias) === undefined ? 'a collection' : 'an alias';
      throw new AliasExistsError(`"${alias}" is already ${what}`);
    }
    await ctx.catalog.put({ ...info, aliases: [...(info.aliases ?? []), alias] });
    return ok({});
  });
}

/** Points an existing alias at another collection: reads through it switch at once. */
export function alterAlias(ctx: ProxyContext, request: Record<string, unknown>) {
  return ctx.locks.run(ALIASES, async () => {
    const alias = aliasOf(request);
    const from = collectionOfAlias(ctx, alias);
    const to = collectionByName(ctx, request.collection_name);
    if (from.id !== to.id) await ctx.catalog.putAll([without(from, alias), { ...to, aliases: [...(to.aliases ?? []), alias] }]);
    return ok({});
  });
}

export function dropAlias(ctx: ProxyContext, request: Record<string, unknown>) {
  return ctx.locks.run(ALIASES, async () => {
    const alias = aliasOf(request);
    await ctx.catalog.put(without(collectionOfAlias(ctx, alias), alias));
    return ok({});
  });
}

export function describeAlias(ctx: ProxyContext, request: Record<string, unknown>) {
  const alias = aliasOf(request);
  return ok({ db_name: 'default', alias, collection: collectionOfAlias(ctx, alias).name });
}

/** A collection's aliases; without collection_name, every alias. */
export function listAliases(ctx: ProxyContext, request: Record<string, unknown>) {
  if (request.collection_name === undefined) {
    return ok({ db_name: 'default', collection_name: '', aliases: ctx.catalog.all().flatMap((info) => info.aliases ?? []) });
  }
  const info = collectionByName(ctx, request.collection_name);
  return ok({ db_name: 'default', collection_name: info.name, aliases: info.aliases ?? [] });
}
