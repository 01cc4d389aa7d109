/**
 * An inventory file from its text to the store: what `tessera inventory apply FILE` and `tessera serve --inventory
 * FILE` share, so that both read, check, report and write a file the same way (the same problems, the same lines,
 * the same transaction). The callers print: the command on stdout and stderr, the server in its banner and log.
 */
import { readFileSync } from 'node:fs';
import type { Store } from '../../store/store.js';
import { applyInventory, type ApplyResult } from './apply.js';
import { desiredFromFile, type DesiredInventory } from './model.js';
import { InventoryValidationError, type InventoryProblem } from './plan.js';
import { formatProblem, InventoryDocumentError, readInventoryFile, type LocatedProblem } from './validate.js';
import type { WriteHooks } from './write.js';

/** A file that cannot be read, or is not a valid inventory file: nothing was written. */
export class InventoryFileError extends Error {
  /** One line per problem, `FILE:LINE:COLUMN: JSON-POINTER: message`; empty when the file could not be read. */
  readonly problemLines: readonly string[];
  constructor(message: string, problemLines: readonly string[] = []) {
    super(message);
    this.name = 'InventoryFileError';
    this.problemLines = problemLines;
  }
}

/** A file whose shape is right; its references are checked against the store when it is applied. */
export interface ParsedInventoryFile {
  /** The name problems are printed with: the path as given, or `<stdin>`. */
  readonly displayName: string;
  readonly desired: DesiredInventory;
  readonly locate: (problems: readonly InventoryProblem[]) => LocatedProblem[];
}

/** The file's text; InventoryFileError `cannot read FILE: ENOENT` when it cannot be read. */
export function readInventoryText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InventoryFileError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Parses and checks the shape (stage 1 of docs/inventory.md "Errors"); nothing touches the store. */
export function parseInventoryFile(displayName: string, text: string): ParsedInventoryFile {
  let read;
  try {
    read = readInventoryFile(text);
  } catch (error) {
    if (error instanceof InventoryDocumentError) {
      throw new InventoryFileError(
        `${displayName} is not a valid inventory file (${error.problems.length} problem(s)); nothing was changed`,
        error.problems.map((p) => formatProblem(displayName, p)),
      );
    }
    throw error;
  }
  return { displayName, desired: desiredFromFile(read.doc), locate: read.locate };
}

export interface ApplyFileOptions {
  readonly source: string;
  readonly prune: boolean;
  readonly dryRun?: boolean;
  /** auth/bootstrap.ts's createOrgWithRoles, given by the caller (inventory sits below auth's org rules). */
  readonly createOrg: WriteHooks['createOrg'];
  readonly onProgress?: WriteHooks['onProgress'];
}

/**
 * Checks the references against the store (stage 2) and writes the plan in one transaction; orgs the file names are
 * created when missing. InventoryFileError with the located problems when a reference is wrong: nothing written.
 */
export async function applyInventoryFile(store: Store, file: ParsedInventoryFile, options: ApplyFileOptions): Promise<ApplyResult> {
  try {
    return await applyInventory(store, file.desired, {
      source: options.source,
      prune: options.prune,
      createOrgs: true,
      dryRun: options.dryRun === true,
      createOrg: options.createOrg,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    if (error instanceof InventoryValidationError) {
      throw new InventoryFileError(
        `${file.displayName}: ${error.problems.length} problem(s); nothing was changed`,
        file.locate(error.problems).map((p) => formatProblem(file.displayName, p)),
      );
    }
    throw error;
  }
}
