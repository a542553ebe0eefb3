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

  async diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult> {
    const p = this.provider();
    if (!p.diff) throw new Error(`${this.exportName} has no diff`);
    return p.diff(id, olds, news);
  }

  async create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>> {
    return this.provider().create(inputs);
  }

  async read(id: string, props?: O): Promise<pulumi.dynamic.ReadResult<O>> {
    const p = this.provider();
    if (!p.read) throw new Error(`${this.exportName} has no read`);
    return p.read(id, props);
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
