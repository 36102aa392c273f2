// Package jobs wires the stages into the commands: run (one period), check
// (probe the configuration and the source) and demo (the same run against
// an embedded server with generated data). It owns everything with a side
// effect: the source connection, the output files, the lock, the logs.
//
// Invariants:
//   - A period is published whole or not at all: every file is written and
//     fsynced into a private staging directory, the manifest last, and the
//     directory then takes the place of the previous one in one rename.
//   - Two runs on one output directory never publish at once (a lock file
//     in out_dir); the second fails with ErrLocked.
//   - Nothing is created under out_dir before the source has been read and
//     every metric computed, so a bad config or an unreachable database
//     leaves no trace.
//   - Logs never show a password: DSNs are redacted.
package jobs
