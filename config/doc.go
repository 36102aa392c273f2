// Package config turns the job's YAML configuration and the command line
// into a plan: typed values, each parsed once, that the commands take as
// they are.
//
// Load reads the YAML strictly (an unknown key is an error naming it),
// applies the environment (RETENTION_SOURCE_DSN overrides source.dsn,
// RETENTION_STORE_DSN store.dsn, RETENTION_WEBHOOK_URL
// delivery.webhook.url; RETENTION_SMTP_PASSWORD is the SMTP password,
// which no key holds), fills the defaults and parses every key into its
// value: time zones into *time.Location, the granularity into a
// transform.Granularity, the schedule into a cron.Schedule, e-mail
// addresses into *mail.Address and the SMTP server and webhook into the
// plain values of package endpoint (config/endpoint), checked by the rules
// jobs/deliver applies too; config imports nothing of jobs. A Config that
// Load returns without an error is valid; every message names the key at
// fault. NewPlan then applies the flags main parsed (Flags) to a Config,
// checks only what they changed, and resolves the periods of the command
// at the time it is given: the result is a Plan.
//
// Even a Config that failed to load holds its secrets (Secrets: the DSNs'
// passwords as package secret finds them, the SMTP password, the webhook
// URL's token parts), so that main can mask them in everything it prints.
//
// Nothing below this package reads configuration text again. Followed
// from the file to a workbook, report.granularity goes:
//
//	report: {granularity: quarter}          YAML text, decoded strictly (yaml.go)
//	Config.Report.Granularity                transform.ParseGranularity, once (Load)
//	Plan.Report.Granularity, Plan.Periods    --granularity parsed once, or --period's
//	                                         form; the latest complete period at now (NewPlan)
//	transform.New(Periods[0].G, ...), Result.Period
//	                                         jobs folds and computes the plan's periods
//	summary sheet, cell A2                   report labels Result.Period.G in the
//	("Quarterly report for 2026-Q3 …")       workbook's language; the manifest's
//	                                         "granularity" is its name
//
// The scheduler keeps Plan.Report.Granularity and takes the latest
// complete period of it each time a run is due.
package config
