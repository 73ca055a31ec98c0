// The failures callers act on, by class: start-up refusals end the process with their message,
// a failed commit rejects its batch, a bad cursor is the client's mistake (HTTP 400).

/** Another server (or another open storage in this process) holds the data directory. */
export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
}

/** The data directory was written by a newer version of Tessera; opening it could corrupt it. */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError';
}

/** A commit failed (disk full, I/O error, ...): none of its records were stored. */
export class CommitFailedError extends Error {
  override readonly name = 'CommitFailedError';
}

/** A page cursor that this storage did not hand out for this query. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
