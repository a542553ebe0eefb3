// A dynamic provider serialized by reference (see byReference.ts). Its own module: the closure
// serializer carries every export of a module a provider reaches, so byReference.ts stays tiny
// for the migration's provider.
import type * as pulumi from "@pulumi/pulumi";
import { loadByReference } from "./byReference";

/** The provider class a module exports, as {@link ProviderByReference} loads it. */
type ProviderModule<I, O> = Record<string, new () => pulumi.dynamic.ResourceProvider<I, O>>;

/**
 * A dynamic provider serialized as a module name and a class name: each method `require`s the
 * module ({@link loadByReference}) and delegates to a fresh instance of the class. For providers
 * whose every method needs the clients anyway (the Vault resources), so nothing is worth carrying
 * by value. Fields are assigned in the constructor (see `useDefineForClassFields`).
 */
export class ProviderByReference<I, O> implements pulumi.dynamic.ResourceProvider<I, O> {
  readonly reference: string;
  readonly exportName: string;

  constructor(reference: string, exportName: string) {
    this.reference = reference;
    this.exportName = exportName;
  }

  provider(): pulumi.dynamic.ResourceProvider<I, O> {
    const P = loadByReference<ProviderModule<I, O>>(this.reference)[this.exportName];
    if (!P) throw new Error(`${this.reference} exports no provider ${this.exportName}`);
    return new P();
  }

  async check(olds: I, news: I): Promise<pulumi.dynamic.CheckResult<I>> {
    const p = this.provider();
    return p.check ? p.check(olds, news) : { inputs: news };
  }

  // Without a method of its own the class gets what the dynamic-provider host does for a provider
  // lacking it: no diff leaves the comparison to the engine, no read keeps the state as it is.
  async diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult> {
    const p = this.provider();
    return p.diff ? p.diff(id, olds, news) : {};
  }

  async create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>> {
    return this.provider().create(inputs);
  }

  async read(id: string, props?: O): Promise<pulumi.dynamic.ReadResult<O>> {
    const p = this.provider();
    return p.read ? p.read(id, props) : { id, ...(props !== undefined ? { props } : {}) };
  }

  async update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>> {
    const p = this.provider();
    if (!p.update) throw new Error(`${this.exportName} has no update`);
    return p.update(id, olds, news);
  }

  async delete(id: string, props: O): Promise<void> {
    const p = this.provider();
    if (p.delete) await p.delete(id, props);
  }
}
