// Package schedule keeps the job running on a cron schedule: the loop of
// the schedule command. It calls the run it is given at each due time,
// with the time it fell due, and knows nothing of what a run does.
//
// Invariants:
//   - Times are read in the given location (the report time zone), so
//     "30 6 * * *" is 06:30 there whatever the machine's zone; a CRON_TZ=
//     prefix in the schedule wins.
//   - At most one run at a time: a run due while one is going is skipped
//     and logged.
//   - A panicking run is logged with its stack and counts as failed; the
//     schedule goes on.
//   - When the context ends (SIGTERM, SIGINT), no new run starts, the run
//     under way is cancelled and waited for, and Serve returns the error of
//     the last run that finished, nil when it succeeded or was cut short by
//     the shutdown.
package schedule
