// Package deliver carries finished reports to people: e-mail over SMTP with
// the workbooks attached, and a notice to a chat webhook. It is transport
// only: which workbook goes to whom, what was already sent and what the
// messages say are decided by its caller, which also owns the files.
//
// Inputs: an SMTP configuration (address, TLS mode, account, sender),
// checked once by NewMailer by the rules of config/endpoint, which the
// configuration is checked by too, and Messages, each with its own To list,
// subject, plain-text (and optional HTML) body and attachments given as a
// path or bytes; a Webhook (URL, format) and Notices (title, localized
// lines, structured data for the json format).
//
// Outputs: Mailer.Send returns one Result per message, in order: nil when
// the server accepted the message, otherwise a *MailError saying which
// server, which recipients, which stage (connecting, authenticating,
// sending), the SMTP reply code and whether the failure is transient.
// Webhook.Post returns nil or a *HookError. Mailer.Check opens and closes
// a session without sending, for `retention check`. IsTransient tells a pending
// delivery (try again on the next run) from a broken target (fix the
// configuration).
//
// Invariants:
//   - A message goes to the addresses of its To list and to no one else.
//     The envelope recipients are exactly those addresses; there is no Cc
//     or Bcc; addresses are parsed by net/mail and refused with any control
//     character (endpoint.ParseAddress); subjects and file names lose their control characters
//     before go-mail encodes them, so no department name (华东\r\nBcc: …,
//     =HYPERLINK(…)) can add a header or a recipient.
//   - An attachment arrives under its name: Content-Disposition carries it
//     in RFC 2231 form (below), split into sections on folded lines when
//     long; Content-Type's name parameter keeps go-mail's RFC 2047 form for
//     older clients. Subjects and display names are RFC 2047 encoded.
//   - The connection is encrypted unless TLS is NoTLS, and certificates are
//     always verified (against the system pool or SMTP.RootCAs). A password
//     is never sent without TLS: NoTLS with a username is a configuration
//     error, and a starttls server that does not offer STARTTLS fails
//     rather than falling back to plain text.
//   - The password never leaves the package in text: not in errors (a
//     server reply quoting it, raw or as AUTH PLAIN/LOGIN base64, is
//     masked, and an error holding it is replaced by a plain masked copy
//     so unwrapping cannot reach it), not in SMTP's String. The masking is
//     package secret's: passwords shorter than secret.MinSecret are not
//     masked, as elsewhere in the job.
//   - Likewise a webhook URL is shown as scheme and host only
//     (secret.RedactURL); its query values and the path segments that look
//     like tokens (secret.URLParts) are masked in any text a server sends
//     back. Format.Escape keeps a
//     department's name plain text in a notice's markdown.
//   - Transient failures are retried after 1, 2 and 4 s (Retry.Delays),
//     with an injectable sleep: for mail, 4xx replies and broken, refused
//     or timed-out connections, each retry a new session carrying only the
//     messages still undelivered, so a message the server acknowledged is
//     not sent again (one whose acknowledgement was lost with the
//     connection may be, as with any SMTP client); for webhooks, network errors and HTTP 5xx, 429
//     and 408. Permanent failures (5xx replies such as 550 for a recipient
//     or 535 for the account, certificate errors, a platform errcode) are
//     reported at once. All pending messages share one session per
//     attempt.
//   - Cancelling ctx closes the session; messages not yet accepted fail
//     with a transient error wrapping ctx's error.
//
// The RFC 2231 form of 华东.xlsx:
//
//	Content-Disposition: attachment; filename*=UTF-8''%E5%8D%8E%E4%B8%9C.xlsx
//
// Tests use the real SMTP server of package delivertest.
//
// The package never logs and reads no clock of its own beyond the retry
// timer and the Date header go-mail writes.
package deliver
