// nftables driver: applies JSON batches with `nft -j -f`, lists and deletes tables, in a namespace or here.
// Spec of the JSON: libnftables-json(5). Pure building and parsing live in src/core/nft.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNftTable } from '../core/names.ts';
import { buildIsolation, type IsolationSpec } from '../core/nft/isolation.ts';
import { FAMILY, type NftBatch } from '../core/nft/json.ts';
import { parseTableListing, type TableListing } from '../core/nft/listing.ts';
import { inNetns, run, stderrOf } from './exec.ts';

/** The firewall seam of agents and gateways. */
export interface Nft {
  /** Applies a batch atomically: all of it or (on error) nothing. */
  apply(batch: NftBatch, signal?: AbortSignal): Promise<void>;
  /** The table as `nft -j list table` shows it, or undefined when it does not exist. */
  list(table: string, signal?: AbortSignal): Promise<TableListing | undefined>;
  /** Deletes the table; succeeds when it is already gone. */
  deleteTable(table: string, signal?: AbortSignal): Promise<void>;
}

const NO_TABLE = /No such file or directory/;

function checkTable(table: string): void {
  checkNftTable('nft table', table);
}

/** The real driver: runs `nft` inside namespace `ns` (`ip netns exec`), or in the current one. */
export class NftCli implements Nft {
  constructor(readonly ns?: string) {}

  private nft(args: string[], input?: string, signal?: AbortSignal) {
    return run(...inNetns(this.ns, 'nft', args), { input, signal, timeoutMs: 30_000 });
  }

  /**
   * `nft -j -f FILE` with the batch in a private temporary file: `nft -f -` opens /dev/stdin, which fails with
   * ENXIO when stdin is a socket, as Node's child-process pipes are.
   */
  async apply(batch: NftBatch, signal?: AbortSignal): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'sixpn-nft-'));
    try {
      const file = join(dir, 'batch.json');
      await writeFile(file, JSON.stringify(batch), { mode: 0o600 });
      await this.nft(['-j', '-f', file], undefined, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The raw JSON text of `nft -j list table inet NAME`, or undefined when the table does not exist. */
  async listJson(table: string, signal?: AbortSignal): Promise<string | undefined> {
    checkTable(table);
    try {
      return (await this.nft(['-j', 'list', 'table', FAMILY, table], undefined, signal)).stdout;
    } catch (e) {
      if (NO_TABLE.test(stderrOf(e))) return undefined;
      throw e;
    }
  }

  async list(table: string, signal?: AbortSignal): Promise<TableListing | undefined> {
    const json = await this.listJson(table, signal);
    return json === undefined ? undefined : parseTableListing(json);
  }

  async deleteTable(table: string, signal?: AbortSignal): Promise<void> {
    checkTable(table);
    try {
      await this.nft(['delete', 'table', FAMILY, table], undefined, signal);
    } catch (e) {
      if (!NO_TABLE.test(stderrOf(e))) throw e;
    }
  }
}

/**
 * Makes the isolation table exactly `spec` in one atomic batch, deleting objects it no longer has.
 * Idempotent; named counters keep counting across calls.
 */
export async function applyIsolation(nft: Nft, spec: IsolationSpec, signal?: AbortSignal): Promise<void> {
  const current = await nft.list(spec.table, signal);
  await nft.apply(buildIsolation(spec, current), signal);
}
