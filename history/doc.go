// Package history owns what was published, end to end: the output
// directory (History, opened once per command on out_dir) with its run
// lock, the staging of a period and the atomic swap that publishes it,
// its manifest (built, written and read here), the delivery ledger and
// its safe write, the periods with mail pending; the snapshot store (the
// table retention_snapshots, to which every run appends the figures it
// published); and the comparison of recomputed figures with the
// published ones (restatements). Every other package asks it: none
// spells the manifest's file name, decodes its JSON, writes a file under
// out_dir or SQL for the store.
//
// Inputs: transform results (for the manifest's flat snapshot rows, the
// store's rows and restating), the output directory (for reading past
// manifests), the store's DSN. Outputs: manifests written to an io.Writer,
// Records read back, Published figures and Restatements.
//
// Invariants:
//   - A manifest is encoded by WriteManifest and decoded by ReadManifest,
//     nowhere else; ManifestFile is its one name.
//   - A period is published when its directory holds a manifest whose
//     every file is there with its size and hash (Complete). Its files are
//     written into a Stage beside it, fsynced, the manifest last, and
//     swapped in whole (RENAME_EXCHANGE on Linux): readers see the old
//     period or the new one, never a gap or half of one. A run that died
//     half-way leaves a stage the next Stage of that period removes.
//   - One run writes at a time: Lock, an flock on out_dir/.retention.lock
//     that the kernel drops with the process.
//   - Of every figure, the value published last counts; a manifest that
//     cannot be read is reported to the caller, never fatal.
//   - A run's rows reach the store in one transaction, all or none. The
//     table and its columns are those docs/OUTPUT.md documents; reads are
//     scanned into a struct and writes are named statements (sqlx).
//     Every store failure wraps ErrStore. Connections to the store are set
//     up as the source's are (extract.OpenDB: no driver logger, parameters
//     interpolated, one statement per query), with DATETIME read as
//     time.Time; messages show its DSN without the password
//     (secret.RedactDSN).
//   - The delivery ledger of a period is encoded by WriteLedger and decoded
//     (and checked: no null or repeated entry) in one place. Without a
//     store it is a file beside the period's directory
//     (LedgerFile: out_dir/<granularity>/<period>.deliveries.json), not
//     in it, so that republishing the period, which replaces the
//     directory, keeps it, written whole and atomically (temporary file,
//     fsync, rename). With a store it is retention_ledger, a row per
//     period, scope and recipient, so that it follows the period to any
//     output directory; a ledger file from before the store is read for
//     the periods the store holds nothing of. For each scope and recipient
//     it holds the message last accepted (file, SHA-256, FiguresDigest,
//     time, run), the attempt still pending, and the message in flight
//     (written before its content goes: SaveDelivery writes one entry at
//     a time, the write-ahead's unit). A ledger that cannot be read is an
//     error, never an empty ledger (which would send everything again).
//   - FiguresDigest hashes a scope's figures of the reported period as the
//     manifest has them, so the same figures published twice have the
//     same digest, though the workbooks' bytes differ.
//   - With a store, every message accepted is also a row of
//     retention_deliveries (AppendDeliveries), created when missing.
//   - It never logs: it returns errors and what it could not read.
package history
