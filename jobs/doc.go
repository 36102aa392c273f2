// Package jobs wires the stages into the commands, each given a
// config.Plan: run (one period), backfill (a range of periods with one
// read of the source), diff (the figures that moved since they were
// published, on the terminal), check (probe the configuration, the
// source, the store and the mail server), schedule (run on the plan's
// schedule, with the loop of jobs/schedule), demo (the same run against
// an embedded server filled by jobs/demo) and deliver (send a published
// period's workbooks to their people with jobs/deliver, as run does after
// publishing). It owns the side effects outside the output directory:
// the source connection and its retries, the gate before publishing, the
// logs, the mail and the exit codes. Everything under out_dir (the lock,
// a period's stage and its publication, manifests, delivery ledgers) and
// the snapshot store belong to history: a command opens one
// history.History on its output directory (RunOptions.withHistory) and
// passes it down; jobs itself writes no file there.
//
// Invariants:
//   - A period is published whole or not at all (history.Stage: files
//     fsynced into a private stage, the manifest last, swapped in whole).
//   - Two runs on one output directory never publish at once (a lock on
//     the source server, history.LockName, and history.Lock in out_dir);
//     the second fails with ErrLocked.
//   - Nothing is created under out_dir before the source has been read and
//     every metric computed, so a bad config or an unreachable database
//     leaves no trace.
//   - Transient source failures restart the extraction from a new
//     snapshot; every failure ends in an exit code (ExitCode).
//   - With source.shards, the orders and complaints are read in N streams
//     at once, folded into N States and merged before anything is
//     computed; a shard that fails fails the whole read, and a transient
//     failure restarts every shard.
//   - Logs never show a password: DSNs are redacted (secret.RedactDSN).
//   - jobs/deliver takes structs of its own: jobs builds them from the
//     configured SMTP server and webhook (config/endpoint values), adding
//     the retries, so that config needs nothing of jobs.
//   - Delivery comes after publishing and never undoes it: each
//     recipient gets one message per workbook routed to them (subject and
//     body from report.Mail, the workbook attached as the manifest lists
//     it, checked by its SHA-256, streamed from its file), one message
//     at a time, and the period's ledger (history) records each before
//     its content goes and its outcome after (a write-ahead: a crash
//     repeats at most the message in flight, under the same Message-ID),
//     so a rerun with the same figures sends nothing and changed figures
//     are sent once, marked. What is not delivered stays pending for the next run
//     or deliver; the run exits ExitDelivery (9). A backfill sends only
//     what was sent before and is restated, or pending: it never mails
//     history nobody had. The run's chat notice (report.Notice) follows.
package jobs
