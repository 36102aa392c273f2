// Package publication owns what was published: how a published period is
// laid out under out_dir, its manifest, the snapshot store (the table
// retention_snapshots, to which every run appends the figures it
// published), the comparison of recomputed figures with the published
// ones (restatements), and the delivery ledger (which workbook went to
// whom, with a digest of the figures it carried). Every other package asks it: none spells the
// manifest's file name, decodes its JSON or writes SQL for the store.
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
//     every file is there with its size and hash (Complete). Writing the
//     files and moving the directory into place is jobs' work.
//   - Of every figure, the value published last counts; a manifest that
//     cannot be read is reported to the caller, never fatal.
//   - A run's rows reach the store in one transaction, all or none. The
//     table and its columns are those the README documents; reads are
//     scanned into a struct and writes are named statements (sqlx).
//     Every store failure wraps ErrStore. Connections to the store are set
//     up as the source's are (extract.OpenDB: no driver logger, parameters
//     interpolated, one statement per query), with DATETIME read as
//     time.Time; messages show its DSN without the password
//     (secret.RedactDSN).
//   - The delivery ledger of a period is encoded by WriteLedger and decoded
//     by ReadLedger; it lives beside the period's directory
//     (LedgerFile: out_dir/<granularity>/<period>.deliveries.json), not
//     in it, so that republishing the period, which replaces the
//     directory, keeps it. For each scope and recipient it holds the
//     message last accepted (file, SHA-256, FiguresDigest, time, run) and
//     the attempt still pending. A ledger that cannot be read is an
//     error, never an empty ledger (which would send everything again).
//   - FiguresDigest hashes a scope's figures of the reported period as the
//     manifest has them, so the same figures published twice have the
//     same digest, though the workbooks' bytes differ.
//   - With a store, every message accepted is also a row of
//     retention_deliveries (AppendDeliveries), created when missing.
//   - It never logs: it returns errors and what it could not read.
package publication
