/**
 * Reading the caller's arguments, shared by every public class: bad input of any kind is
 * an InvalidArgumentError (a QuiverError with a stable code), never a bare TypeError.
 */
import { InvalidArgumentError, QuiverError } from './errors.js';

/**
 * Reads the caller's arguments. Whatever goes wrong on the way (a throwing getter, a BigInt
 * where a number belongs, an array too long for a typed array) becomes an
 * InvalidArgumentError, as every other bad argument does.
 */
export function readArguments<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof QuiverError) throw error;
    throw new InvalidArgumentError(`invalid argument: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** An options argument: undefined or null mean none; anything else must be an object. */
export function optionsObject<T extends object>(options: T | null | undefined, what: string): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new InvalidArgumentError(`${what} must be an object, got ${typeof options}`);
  return options;
}
